import pytest


def pytest_collection_modifyitems(config, items):
    """GPU tests are opt-in by marker and skipped where no CUDA device exists."""
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _own_camera_curves(monkeypatch, tmp_path_factory):
    """Every test keeps remembered camera curves (``measure-curve``) in a folder of its own,
    never in the user's."""
    monkeypatch.setenv("HDR_STUDIO_CURVES", str(tmp_path_factory.mktemp("camera-curves")))


@pytest.fixture(autouse=True)
def _own_qt_settings(tmp_path_factory):
    """Every test's windows keep their settings (the camera-curve choice, the overlay, the
    geometry) in a folder of their own, never the user's or another test's. Only where Qt is
    already imported: headless tests stay free of it."""
    import sys

    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        qtcore.QSettings.setPath(
            qtcore.QSettings.Format.NativeFormat,
            qtcore.QSettings.Scope.UserScope,
            str(tmp_path_factory.mktemp("qt-settings")),
        )
