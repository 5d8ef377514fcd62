"""Render the PNG sizes of the icon from hdr-studio.svg (Qt's SVG renderer):

QT_QPA_PLATFORM=offscreen .venv/bin/python hdr_studio/resources/icons/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parents[1] / "hdr_studio" / "resources" / "icons"


def main() -> int:
    from PySide6 import QtCore, QtGui, QtSvg

    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication(sys.argv[:1])
    renderer = QtSvg.QSvgRenderer(str(HERE / "hdr-studio.svg"))
    for size in SIZES:
        img = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(img)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        img.save(str(HERE / f"hdr-studio-{size}.png"))
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
