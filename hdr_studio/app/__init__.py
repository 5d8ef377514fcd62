"""The desktop app (PySide6 + pyqtgraph), in two halves: :mod:`hdr_studio.app.model` holds
the state, the edits and the jobs' policy in plain Python (no Qt, testable without a
window); the modules beside it are Qt views bound to that model, with long work in
``workers`` off the GUI thread. The only package that imports Qt."""
