"""The installed PySide6 must not corrupt None's reference count.

PySide6/shiboken6 6.12.0 returns None from every void method without taking a reference;
on Python 3.11 (where None is not immortal) the count falls by one per call and the app
dies with "Fatal Python error: none_dealloc" after a while. pyproject.toml excludes it."""

import sys

import pytest

pytest.importorskip("PySide6")


def test_void_calls_leave_none_alone(qapp):
    from PySide6 import QtWidgets

    w = QtWidgets.QWidget()
    w.update()
    before = sys.getrefcount(None)
    for _ in range(200):
        w.update()
        w.setEnabled(True)
    assert abs(sys.getrefcount(None) - before) < 20
