"""The request/outcome function every front end calls, tested directly (not through a front
end's exit code): real files through OpenImageIO, the shipped weights."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, encode, prepare, reconstruct, write
from hdr_studio.api.catalogue import UnavailableMethodError, UnknownMethodError
from hdr_studio.api.engine import check_export, formats_for, run_method
from hdr_studio.core.errors import Cancelled, InputError, OutputError
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken
from hdr_studio.core.reader import read_image
from hdr_studio.core.result import ResultKind
from tests.helpers import SAMPLES, gradient
from tests.helpers import write as write_file

SAMPLE = SAMPLES / "sunset_lomiri.jpg"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A 96×64 crop of the sunset sample around its clipped sun, as an 8-bit PNG."""
    code = read_image(SAMPLE).code
    y, x = np.unravel_index(np.argmax(code.sum(axis=2)), code.shape[:2])
    y0, x0 = max(0, y - 32), max(0, x - 48)
    crop = code[y0 : y0 + 64, x0 : x0 + 96]
    path = tmp_path_factory.mktemp("small") / "small.png"
    return write_file(path, (crop * 255).round().astype(np.uint8))


def test_outcome_of_a_file_request(small):
    out = reconstruct(ReconstructRequest(input=small, method="classical"))
    assert out.method == "classical" and out.kind is ResultKind.HDR
    assert out.pixels.shape == (64, 96, 3) and out.pixels.dtype == np.float32
    assert out.pixels.max() > 1.0  # the clipped sun is brighter than white now
    assert out.results.sdr is None and out.output is None
    assert {"read", "reconstruct", "total"} <= set(out.timings)
    assert out.metadata["method"] == "classical" and out.metadata["result"] == "hdr"


def test_default_method_is_the_shipped_default_network(small):
    out = reconstruct(ReconstructRequest(input=small))
    assert out.method == "masked" and out.metadata["weights_sha256"]


def test_in_memory_pixels_give_the_same_result_as_the_file(small, tmp_path):
    image = read_image(small)
    mem = Image.from_pixels(image.code, "rec709", "srgb")
    a = reconstruct(ReconstructRequest(input=small, method="masked", device="cpu"))
    b = reconstruct(ReconstructRequest(input=mem, method="masked", device="cpu"))
    np.testing.assert_array_equal(a.pixels, b.pixels)
    # Written through the request: the file holds the same pixels.
    exr = tmp_path / "m.exr"
    c = reconstruct(ReconstructRequest(input=mem, method="masked", output=exr, device="cpu"))
    assert c.output == exr and c.format == "exr"
    np.testing.assert_allclose(read_image(exr).linear, a.pixels, rtol=1e-3, atol=1e-3)


def test_float_pixels_in_memory_keep_values_above_white():
    lin = gradient() * 4.0
    image = Image.from_pixels(lin, "rec2020", is_float=True)
    assert image.transfer == "linear" and image.primaries == "rec2020"
    assert image.linear.max() > 3.5 and image.code.max() == pytest.approx(1.0)
    out = reconstruct(ReconstructRequest(input=image, method="none"))
    np.testing.assert_array_equal(out.pixels, image.linear)
    with pytest.raises(ValueError, match="primaries"):
        Image.from_pixels(lin, "sRGB")


def test_result_policy_for_sdr_hdr_and_both(small, tmp_path):
    # An SDR declipper: auto → its SDR result, and an HDR extension takes the SDR format.
    png = tmp_path / "d.png"
    out = reconstruct(ReconstructRequest(input=small, method="declipnet", output=png))
    assert out.kind is ResultKind.SDR and out.format == "png-sdr"
    assert out.notes and "SDR declipping model" in out.notes[0]
    assert read_image(png).transfer == "srgb"
    with pytest.raises(InputError, match="SDR result only"):
        prepare(ReconstructRequest(input=small, method="declipnet", result="hdr"))
    # DRHT gives both: hdr by default, its LDR head on request.
    both = reconstruct(ReconstructRequest(input=small, method="drht"))
    assert both.kind is ResultKind.HDR and both.results.sdr is not None
    head = reconstruct(ReconstructRequest(input=small, method="drht", result="sdr"))
    np.testing.assert_array_equal(head.pixels, both.results.sdr)
    # An HDR-only method's SDR result is its HDR result rolled off onto white.
    hdr = reconstruct(ReconstructRequest(input=small, method="classical"))
    sdr = reconstruct(ReconstructRequest(input=small, method="classical", result="sdr"))
    assert hdr.pixels.max() > 1.0 and sdr.pixels.max() <= 1.0 + 1e-5
    assert sdr.kind is ResultKind.SDR
    # An explicit format wins over the SDR policy (the user asked for it).
    pq = tmp_path / "pq.png"
    out = reconstruct(
        ReconstructRequest(input=small, method="declipnet", output=pq, format="png-pq")
    )
    assert out.format == "png-pq" and read_image(pq).transfer == "pq"
    assert formats_for(ResultKind.SDR) == ("png-sdr", "jpeg-sdr", "tiff-sdr", "exr", "tiff-float")


def test_checks_come_before_the_work(small, tmp_path, monkeypatch):
    from hdr_studio.api import engine

    def boom(*a, **k):
        raise AssertionError("the method must not run")

    monkeypatch.setattr(engine, "run_method", boom)
    with pytest.raises(UnknownMethodError, match=r"unknown method 'bogus' \(methods: classical"):
        reconstruct(ReconstructRequest(input=small, method="bogus"))
    with pytest.raises(InputError, match="no such file"):
        reconstruct(ReconstructRequest(input=tmp_path / "missing.jpg", method="none"))
    existing = write_file(tmp_path / "exists.exr", gradient())
    with pytest.raises(OutputError, match="already exists"):
        reconstruct(ReconstructRequest(input=small, method="none", output=existing))
    with pytest.raises(OutputError, match="source"):
        reconstruct(ReconstructRequest(input=small, method="none", output=small, force=True))
    with pytest.raises(OutputError, match="unknown output extension"):
        reconstruct(ReconstructRequest(input=small, method="none", output=tmp_path / "x.bmp"))
    with pytest.raises(InputError, match="has no option 'strength'"):
        reconstruct(ReconstructRequest(input=small, method="none", options={"strength": 1}))
    with pytest.raises(InputError, match="max_gain must be in"):
        monkeypatch.undo()
        reconstruct(ReconstructRequest(input=small, method="classical", options={"max_gain": 99}))
    with pytest.raises(ValueError, match="result must be"):
        ReconstructRequest(input=small, result="ldr")


def test_unavailable_network(small, tmp_path, monkeypatch):
    monkeypatch.setenv("HDR_STUDIO_MODELS", str(tmp_path))  # an empty weights folder
    with pytest.raises(UnavailableMethodError, match="no trained weights"):
        prepare(ReconstructRequest(input=small, method="masked"))
    # The default falls back to the classical engine.
    assert prepare(ReconstructRequest(input=small)).method.name == "classical"


def test_classical_options_reach_the_engine(small):
    gentle = reconstruct(
        ReconstructRequest(input=small, method="classical", options={"max_gain": 1.5})
    )
    strong = reconstruct(
        ReconstructRequest(input=small, method="classical", options={"max_gain": 8.0})
    )
    assert strong.pixels.max() > gentle.pixels.max()


def test_encode_gives_the_bytes_write_writes(small, tmp_path):
    out = reconstruct(ReconstructRequest(input=small, method="classical"))
    data = encode(out, "png-pq")
    path = write(out, tmp_path / "r.png", "png-pq")
    assert data == path.read_bytes() and data[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(OutputError, match="source"):
        write(out, small, force=True)
    with pytest.raises(OutputError, match="source"):
        check_export(out.image, small, ResultKind.HDR)


def test_request_is_picklable(small):
    req = ReconstructRequest(
        input=Image.from_pixels(gradient(), "p3"), method="classical", options={"reach": 3.0}
    )
    back = pickle.loads(pickle.dumps(req))
    assert back.method == "classical" and back.options == {"reach": 3.0}
    np.testing.assert_array_equal(back.input.linear, req.input.linear)
    np.testing.assert_array_equal(
        reconstruct(back).pixels, reconstruct(req).pixels
    )  # same request, same result


def test_threads_are_a_request_option_and_are_restored(small):
    import cv2
    import torch

    before = (torch.get_num_threads(), cv2.getNumThreads())
    seen = []
    reconstruct(
        ReconstructRequest(input=small, method="masked", threads=1, device="cpu"),
        progress=lambda f, m: seen.append(torch.get_num_threads()),
    )
    assert set(seen) == {1}
    assert (torch.get_num_threads(), cv2.getNumThreads()) == before


def test_cancel_stops_the_job(small):
    token = CancelToken()

    def progress(fraction, message):
        if fraction > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        reconstruct(ReconstructRequest(input=small, method="classical"), progress, token)


@pytest.mark.parametrize("method", ["none", "classical", "masked", "drht", "hybrid", "declipnet"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 40), (37, 1), (2, 3), (5, 300)])
def test_tiny_and_thin_pictures_through_every_method(method, shape):
    rng = np.random.default_rng(1)
    code = rng.random((*shape, 3)).astype(np.float32)
    code[..., 0].flat[0] = 1.0  # a clipped channel
    res = run_method(Image.from_pixels(code), method, device="cpu")
    for px in (res.hdr, res.sdr):
        if px is not None:
            assert px.shape == (*shape, 3) and np.isfinite(px).all()


def test_model_cache_is_bounded_and_can_be_cleared():
    from hdr_studio.inference import pipeline

    pipeline.clear_cache()
    assert pipeline.cached_models() == []
    for name in ("masked", "drht", "hybrid", "declipnet"):
        pipeline.load_model(name, "cpu")
    assert pipeline.cached_models() == ["drht", "hybrid", "declipnet"]
    pipeline.load_model("drht", "cpu")  # used again: now the most recent
    assert pipeline.cached_models()[-1] == "drht"
    pipeline.clear_cache()
    assert pipeline.cached_models() == []


def test_loading_a_model_leaves_the_callers_thread_count_alone():
    import torch

    from hdr_studio.inference import pipeline

    pipeline.clear_cache()
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        pipeline.load_model("masked", "cpu")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(old)


def test_api_imports_no_torch_for_the_builtin_methods(small):
    import subprocess

    code = (
        "import sys\n"
        "from hdr_studio.api import ReconstructRequest, reconstruct\n"
        f"reconstruct(ReconstructRequest(input={str(small)!r}, method='classical'))\n"
        "sys.exit(1 if 'torch' in sys.modules else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr


def test_compute_threads_leaves_a_torch_being_imported_alone(monkeypatch):
    """The app imports torch on its start-up worker while a job may already run: a partly
    initialised module (no thread functions yet) must not break the job."""
    import sys
    import types

    from hdr_studio.api.threads import compute_threads

    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    with compute_threads(1) as n:
        assert n == 1
