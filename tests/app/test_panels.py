"""Panels drawn in a real (offscreen) Qt widget."""

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6 import QtGui

from hdr_studio.app.model.render import AFTER_RGB, BEFORE_RGB
from hdr_studio.app.panels import LayersPanel
from hdr_studio.app.plots import ChromaticityPanel


def grab_rgb(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    a = a.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return a.reshape(img.height(), img.width(), 3).astype(np.int16)


def test_chromaticity_legend_swatches_show_the_density_colours(qtbot):
    """With no pixels plotted, the only blue and orange on the panel are the legend's swatches
    for "photo" and "result" (they used to be drawn in pyqtgraph's default grey)."""
    panel = ChromaticityPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 400)
    panel.show()
    qtbot.wait(50)
    rgb = grab_rgb(panel)
    for colour in (BEFORE_RGB, AFTER_RGB):
        near = np.abs(rgb - np.asarray(colour)).max(axis=2) <= 12
        assert near.sum() >= 30, f"no legend swatch in {colour}"


def test_the_chromaticity_legend_leaves_the_diagram_clear_at_the_docked_size(qtbot):
    """From a new user's pass: in the docked panel (about 340 × 270) the legend lay over
    the right 60 % of the diagram, the white point's pixels included; and it stays whole."""
    panel = ChromaticityPanel()
    qtbot.addWidget(panel)
    panel.resize(340, 270)
    panel.show()
    qtbot.wait(50)
    legend = panel.legend.sceneBoundingRect()
    view = panel.plotItem.vb.sceneBoundingRect()
    assert not legend.intersects(view)
    assert legend.right() <= panel.width() and legend.bottom() <= panel.height()
    assert view.width() > 200 and view.height() > 120


def test_layer_tiles_keep_their_size_and_are_disabled_until_they_exist(qtbot):
    panel = LayersPanel()
    qtbot.addWidget(panel)
    panel.show()
    result = panel.buttons["result"]
    empty_size = result.sizeHint()
    assert not result.isEnabled()
    assert result.toolTip()
    panel.set_thumbnail("result", np.full((100, 150, 3), 200, np.uint8))
    assert result.isEnabled()
    assert abs(result.sizeHint().height() - empty_size.height()) <= 2
    panel.set_thumbnail("result", None)  # a new photo: no result again
    assert not result.isEnabled()


def test_the_chromaticity_lines_are_told_apart():
    """The Rec.709 triangle was white beside a near-white locus: each line has a colour of
    its own, apart from the points' blue and orange."""
    from hdr_studio.app.plots import TRIANGLES

    locus = (170, 170, 170)
    colours = [locus, BEFORE_RGB, AFTER_RGB] + [c for _n, c, _l in TRIANGLES]
    for i, a in enumerate(colours):
        for b in colours[i + 1 :]:
            assert np.abs(np.subtract(a, b)).max() >= 60, (a, b)
