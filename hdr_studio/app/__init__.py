"""The desktop app (PySide6 + pyqtgraph). ``state`` and ``render`` hold the plain models
and the numpy work, testable without a window; the widgets bind to them; long work runs in
``workers`` off the GUI thread. The only package that imports Qt."""
