"""The weights shipped in hdr_studio/resources/models: present for all four networks,
verified, small enough, documented, and each one runs on a real sample through the app/CLI
pipeline."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.inference.weights import models_dir, read_manifest, sha256
from tests.helpers import SAMPLES

NETWORKS = ("declipnet", "drht", "masked", "hybrid")
MAX_BYTES = 25 * 1024 * 1024


@pytest.fixture(scope="module")
def sample():
    """A crop of the sunset sample around its clipped sun (real JPEG through the reader)."""
    image = read_image(SAMPLES / "sunset_lomiri.jpg")
    clipped = image.code.max(axis=2) >= 0.98
    ys, xs = np.nonzero(clipped)
    y0 = int(np.clip(ys.mean() - 64, 0, image.code.shape[0] - 128))
    x0 = int(np.clip(xs.mean() - 96, 0, image.code.shape[1] - 192))
    code = np.ascontiguousarray(image.code[y0 : y0 + 128, x0 : x0 + 192])
    return replace(image, code=code, linear=srgb_decode(code))


def test_manifest_lists_all_four_with_cards():
    folder = models_dir()
    manifest = read_manifest(folder)["models"]
    assert set(NETWORKS) <= set(manifest)
    for name in NETWORKS:
        entry = manifest[name]
        path = folder / entry["file"]
        assert path.stat().st_size <= MAX_BYTES
        assert sha256(path) == entry["sha256"]
        meta = entry["metadata"]
        assert int(meta["steps"]) > 0 and json.loads(meta["training_config"])["model"] == name
        card = (folder / f"{name}.md").read_text()
        for section in ("## Architecture", "## Training", "## Calibration", "## Evaluation"):
            assert section in card, (name, section)
        # Shipped calibrated on the validation split (hdr-studio calibrate), gains in [0, 1.5].
        cal = json.loads(meta["calibration"])
        assert all(0.0 <= cal[k] <= 1.5 for k in ("hdr", "over", "under")), (name, cal)


@pytest.mark.parametrize("name", NETWORKS)
def test_shipped_model_runs_on_a_sample(name, sample):
    from hdr_studio.core.clipping import santos_mask
    from hdr_studio.inference.pipeline import run_model

    result = run_model(sample, name, device="cpu")
    if result.hdr is not None:
        hdr = result.hdr
        assert hdr.shape == sample.code.shape and np.isfinite(hdr).all()
        keep = santos_mask(sample.code) == 1.0
        np.testing.assert_allclose(hdr[keep], sample.linear[keep], rtol=1e-5, atol=1e-6)
        clipped = sample.code >= 0.999
        assert clipped.any()
        assert hdr[clipped].mean() > 1.0  # something recovered above the clipping level
    if result.sdr is not None:
        assert result.sdr.shape == sample.code.shape and np.isfinite(result.sdr).all()


def test_default_method_is_the_flagged_hdr_model():
    from hdr_studio.api import default_method
    from hdr_studio.inference.registry import get_spec

    flagged = [n for n, e in read_manifest()["models"].items() if e.get("default")]
    assert len(flagged) <= 1
    if flagged:
        assert default_method() == flagged[0]
        assert "hdr" in get_spec(flagged[0]).kind
    else:
        assert default_method() == "classical"


def _spots(h: int = 320, w: int = 480):
    """A smooth picture with a clipped disc in one corner, a few pixels just under the clip
    (above Santos' threshold) in another and a few crushed to black in a third, each in its
    own tiles at 192 px."""
    from hdr_studio.core.image import Image

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    code = np.stack([0.2 + 0.5 * xx / w, 0.15 + 0.5 * yy / h, 0.4 + 0.2 * xx / w], axis=2)
    code[(yy - 40) ** 2 + (xx - 40) ** 2 < 15**2] = 1.0
    code[h - 30 : h - 26, w - 40 : w - 36] = 0.975
    code[h - 30 : h - 26, 30:34] = 0.004
    code = (np.round(code * 255) / 255).astype(np.float32)
    return Image(linear=srgb_decode(code), code=code)


@pytest.mark.parametrize("name", NETWORKS)
def test_skipping_unneeded_tiles_changes_no_pixel(name, monkeypatch):
    """Each network's ``needed`` mask names every pixel its ``finish`` reads: the result of
    a run that skips the other tiles equals one that runs them all, bit for bit. (A mask
    that left out the near-clip or the crushed spot fails this.)"""
    from hdr_studio.inference.pipeline import load_model, run_model

    image = _spots()
    spec = load_model(name, "cpu").spec
    needed = spec.needed(image)
    assert needed is not None and 0 < needed.mean() < 0.05
    tiles: dict[str, set[str]] = {"skipped": set(), "full": set()}

    def counter(key):
        return lambda f, m: tiles[key].add(m) if m.startswith("tile ") else None

    skipped = run_model(image, name, device="cpu", tile=192, progress=counter("skipped"))
    monkeypatch.setattr(type(spec), "needed", lambda self, image: None)
    full = run_model(image, name, device="cpu", tile=192, progress=counter("full"))
    assert 0 < len(tiles["skipped"]) < len(tiles["full"])
    for field in ("hdr", "sdr"):
        a, b = getattr(skipped, field), getattr(full, field)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=f"{name} {field}")
