import os
import tempfile

import pytest

#: What a user's machine may carry that must not reach a test: state that an earlier run left
#: (``~/.ray/auth_token``, settings, remembered curves, a bridge's connection file) is found
#: through these, and a Ray cluster named in the environment would take the tests' batches.
_USER_STATE = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
_FOREIGN = ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH",
            "HDR_STUDIO_RUNTIME_DIR", "HDR_STUDIO_CURVES")  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _own_machine_state(tmp_path_factory):
    """The whole run gets a HOME, XDG folders and a temporary folder of its own (under
    pytest's base folder), so what the machine's history left in the real ones cannot
    change a result; subprocesses inherit them."""
    root = tmp_path_factory.getbasetemp() / "machine"
    saved = {k: os.environ.get(k) for k in (*_USER_STATE, *_FOREIGN, "XDG_RUNTIME_DIR", "TMPDIR")}
    for key in _FOREIGN:
        os.environ.pop(key, None)
    _point_at(root, os.environ.__setitem__)
    runtime = root / "runtime"
    runtime.mkdir(mode=0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    temp = root / "tmp"
    temp.mkdir()
    os.environ["TMPDIR"] = str(temp)
    tempfile.tempdir = None  # read TMPDIR again
    yield
    tempfile.tempdir = None
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _point_at(root, setenv) -> None:
    home = root / "home"
    folders = ("", ".config", ".local/share", ".local/state", ".cache")
    for key, folder in zip(_USER_STATE, folders, strict=True):
        (home / folder).mkdir(parents=True, exist_ok=True)
        setenv(key, str(home / folder))


@pytest.fixture(autouse=True)
def _own_home(monkeypatch, tmp_path_factory):
    """Each test its own HOME and XDG folders (a test never sees another's settings)."""
    _point_at(tmp_path_factory.mktemp("state"), monkeypatch.setenv)


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
def _own_camera_curves(monkeypatch, tmp_path_factory, _own_home):
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
