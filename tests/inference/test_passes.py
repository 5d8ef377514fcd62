"""Mirror passes: with ``passes=3`` a network also runs on the picture mirrored left–right and
upside down, each result is mirrored back and the three are averaged. Real shipped weights
on an asymmetric synthetic picture."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.inference.pipeline import load_model, run_model, run_network


def _scene(h: int = 96, w: int = 128) -> Image:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    lin = (0.1 + 0.3 * xx / w)[..., None] * np.array([0.9, 0.7, 0.5], np.float32)
    lin = lin + (4.0 * np.exp(-((xx - 30) ** 2 + (yy - 25) ** 2) / 90.0))[..., None]
    lin[..., 2] *= 1 + 0.5 * (yy / h)
    code = np.clip(np.round(np.clip(lin, 0, 1) ** (1 / 2.2) * 255) / 255, 0, 1)
    code = code.astype(np.float32)
    return Image(linear=srgb_decode(code), code=code)


def _flip(image: Image, axis: int) -> Image:
    return replace(
        image,
        code=np.ascontiguousarray(np.flip(image.code, axis)),
        linear=np.ascontiguousarray(np.flip(image.linear, axis)),
    )


def test_three_passes_average_the_mirrored_estimates_then_fill_once():
    """masked: the network's estimates on the picture and its two mirror images, as log
    ratios mirrored back, averaged; then one fill."""
    image = _scene()
    model = load_model("masked", "cpu")
    ratios = []
    for axes in ((), (1,), (0,)):
        part = _flip(image, axes[0]) if axes else image
        r = model.spec.estimate_ratio(run_network(model, part), part)
        ratios.append(np.flip(r, axes) if axes else r)
    mean = (ratios[0] + ratios[1] + ratios[2]) / 3
    want = model.spec.finish_ratio(mean, image, model.calibration).hdr
    three = run_model(image, "masked", device="cpu", passes=3)
    one = run_model(image, "masked", device="cpu").hdr
    assert three.hdr is not None and one is not None and three.hdr.shape == one.shape
    np.testing.assert_allclose(three.hdr, want, rtol=1e-5, atol=1e-6)
    # the network is not mirror-symmetric, so the average really differs from one pass
    clipped = image.code.max(axis=2) >= 1.0
    assert clipped.any()
    assert np.abs(three.hdr - one)[clipped].max() > 1e-3
    # well-exposed pixels stay measured
    dark = image.code.max(axis=2) < 0.8
    np.testing.assert_array_equal(three.hdr[dark], image.linear[dark])
    # the disagreement map: std across passes of the brightest channel's log ratio, in
    # stops, where the result is not the measurement
    spread = three.spread
    assert spread is not None and spread.shape == image.code.shape[:2]
    peaks = np.stack([r.max(axis=2) for r in ratios]) / np.log(2)
    kept = np.all(three.hdr == image.linear, axis=2)
    np.testing.assert_allclose(spread[~kept], peaks.std(axis=0)[~kept], atol=1e-5)
    assert not spread[kept].any()
    assert spread[clipped].mean() > 0.01  # doubt where light was invented
    assert run_model(image, "masked", device="cpu").spread is None


def test_three_passes_on_a_picture_with_a_working_size_and_a_coarse_pass():
    """Above the working size (0.25 MP) and the coarse pass's 480 px: the mirrored
    estimates at the working size and at 320 px are averaged, the picture is filled once
    at its own size; what did not come near the clip stays the measurement exactly."""
    image = _scene(600, 800)
    one = run_model(image, "masked", device="cpu")
    three = run_model(image, "masked", device="cpu", passes=3)
    assert three.hdr is not None and one.hdr is not None and three.spread is not None
    assert three.hdr.shape == image.linear.shape and three.spread.shape == (600, 800)
    dark = image.code.max(axis=2) < 0.8
    np.testing.assert_array_equal(three.hdr[dark], image.linear[dark])
    assert not three.spread[dark].any()
    clipped = image.code.max(axis=2) >= 1.0
    assert (three.hdr[clipped].max(axis=1) > image.linear[clipped].max(axis=1)).mean() > 0.9
    # close to one pass (the same network), not the same
    log1 = np.log2(one.hdr[clipped].max(axis=1))
    log3 = np.log2(three.hdr[clipped].max(axis=1))
    assert 0 < np.abs(log3 - log1).mean() < 0.5


def test_passes_in_the_request_and_refused_values():
    image = _scene()
    out = reconstruct(ReconstructRequest(input=image, method="masked", device="cpu", passes=3))
    direct = run_model(image, "masked", device="cpu", passes=3).hdr
    np.testing.assert_array_equal(out.results.hdr, direct)
    assert out.metadata["passes"] == 3
    # built-ins are mirror-symmetric and run once: the same pixels either way
    a = reconstruct(ReconstructRequest(input=image, method="classical", passes=3)).pixels
    b = reconstruct(ReconstructRequest(input=image, method="classical")).pixels
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="passes must be 1 or 3"):
        ReconstructRequest(input=image, method="masked", passes=2)
    with pytest.raises(ValueError, match="passes must be one of"):
        run_model(image, "masked", device="cpu", passes=2)


EXTRA = ("--invented-channel", "--strength", "50")


def test_cli_passes(tmp_path):
    import OpenImageIO as oiio

    image = _scene()
    src = tmp_path / "in.png"
    spec = oiio.ImageSpec(image.code.shape[1], image.code.shape[0], 3, oiio.UINT8)
    out = oiio.ImageOutput.create(str(src))
    out.open(str(src), spec)
    out.write_image(np.round(image.code * 255).astype(np.uint8))
    out.close()
    cmd = [sys.executable, "-m", "hdr_studio", "reconstruct", str(src), "--method", "masked"]
    bad = subprocess.run(
        [*cmd, "-o", str(tmp_path / "x.exr"), "--passes", "2"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    ok = subprocess.run(
        [*cmd, "-o", str(tmp_path / "out.exr"), "--passes", "3", "--device", "cpu", *EXTRA],
        check=False,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    buf = oiio.ImageBuf(str(tmp_path / "out.exr"))
    assert list(buf.spec().channelnames) == ["R", "G", "B", "invented", "uncertain"]
    written = buf.get_pixels(oiio.FLOAT)
    want = reconstruct(
        ReconstructRequest(input=src, method="masked", device="cpu", passes=3, strength=0.5)
    )
    np.testing.assert_allclose(written[..., :3], want.pixels, rtol=1e-3, atol=1e-4)
    # the passes' disagreement, scaled with the strength (half here), in stops
    np.testing.assert_allclose(written[..., 4], 0.5 * want.results.spread, rtol=2e-3, atol=2e-3)
    assert written[..., 4].max() > 0.01
