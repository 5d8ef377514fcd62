"""The bundle's program: the ``hdr-studio`` command (with no arguments on a desktop, the app)."""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()  # batch runs spawn workers from the bundle's binary
    from hdr_studio.cli import main

    main()
