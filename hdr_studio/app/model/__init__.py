"""The app's model: plain Python, no Qt (a contract in pyproject.toml and a test check it).
The document and the editor's settings (:mod:`.state`), undoable edits (:mod:`.history`),
each photo's settings while moving through a folder (:mod:`.session`), the jobs and their
policy (:mod:`.controller`, :mod:`.jobs`), what the viewer and panels draw (:mod:`.frames`,
:mod:`.render`), settings kept between sessions (:mod:`.settings`), the Batch dialog's
(:mod:`.batch`), the HDR display choice (:mod:`.display`). The Qt views in
:mod:`hdr_studio.app` bind to these objects; tests drive them without a window."""
