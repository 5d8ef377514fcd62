"""``python -m hdr_studio``: the same command as ``hdr-studio``."""

from hdr_studio.cli import main

raise SystemExit(main())
