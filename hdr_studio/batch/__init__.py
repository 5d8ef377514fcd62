"""Batch reconstruction of folders and photo lists: the same request as one photo, run over
many by a process pool (``hdr-studio batch``)."""
