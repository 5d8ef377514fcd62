"""HDR Studio: recover clipped highlights and shadows in photographs and deliver them as HDR."""

import logging
from importlib import metadata

# The package logs with Python `logging` (module loggers under "hdr_studio"); a library
# writes nowhere by itself: the bridge sends it to its rotating file, a host program may
# attach its own handler.
logging.getLogger(__name__).addHandler(logging.NullHandler())

try:  # one version source: the package metadata (pyproject.toml)
    __version__ = metadata.version("hdr-studio")
except metadata.PackageNotFoundError:  # sources on sys.path without an install
    __version__ = "0+unknown"
