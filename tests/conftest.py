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
