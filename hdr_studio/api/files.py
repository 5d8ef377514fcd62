"""Writing files safely, for front ends that write their own (the batch report and outputs
sent back by cluster workers, the plug-ins' installed files): atomic replacement that never
overwrites a source, the leftovers of an interrupted write, content digests."""

from hdr_studio.core.atomic import atomic_path, remove_stale_temporaries, same_file
from hdr_studio.core.digest import file_sha256

__all__ = ["atomic_path", "file_sha256", "remove_stale_temporaries", "same_file"]
