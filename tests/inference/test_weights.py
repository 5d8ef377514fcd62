"""Weights: safetensors + manifest with sha256; strict loading; tampering detected; models
without weights are unavailable. The weights written here are random (untrained) and live
in a temporary folder: they exercise the loading path, not quality."""

import json

import numpy as np
import pytest
import torch

from hdr_studio.cli import main
from hdr_studio.inference.pipeline import load_model, run_model
from hdr_studio.inference.registry import build_model, get_spec
from hdr_studio.inference.weights import (
    WeightsError,
    load_weights,
    read_manifest,
    save_weights,
    weights_entry,
)
from tests.helpers import SAMPLES


@pytest.fixture
def models(tmp_path, monkeypatch):
    monkeypatch.setenv("HDR_STUDIO_MODELS", str(tmp_path))
    return tmp_path


def _save(name, folder, default=False, seed=0):
    torch.manual_seed(seed)
    net = build_model(name, "small")
    meta = {
        "version": "test",
        "config": json.dumps(get_spec(name).configs["small"]),
        "training_data": "none: random weights for tests",
        "steps": "0",
    }
    save_weights(net.state_dict(), name, meta, folder, default=default)
    return net


@pytest.mark.parametrize("name", ["declipnet", "drht", "masked", "hybrid"])
def test_save_load_round_trip_is_exact(models, name):
    net = _save(name, models)
    state, meta = load_weights(name, models)
    assert meta["model"] == name and meta["steps"] == "0"
    for k, v in net.state_dict().items():
        assert torch.equal(state[k], v), k
    loaded = load_model(name, "cpu", models)
    for k, v in net.state_dict().items():
        assert torch.equal(loaded.net.state_dict()[k], v)
    entry = read_manifest(models)["models"][name]
    assert len(entry["sha256"]) == 64 and entry["bytes"] > 0
    # Readable by every user, like a checkout's files (not mkstemp's 0600).
    for f in (models / "manifest.json", models / f"{name}.safetensors"):
        assert f.stat().st_mode & 0o777 == 0o644, f


def test_missing_and_tampered_weights_are_clear_errors(models):
    assert weights_entry("masked", models) is None
    with pytest.raises(WeightsError, match="no weights"):
        load_weights("masked", models)
    _save("masked", models)
    path = models / "masked.safetensors"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="checksum"):
        load_weights("masked", models)


def test_strict_loading_rejects_a_wrong_architecture(models):
    _save("masked", models)
    manifest = read_manifest(models)
    # Pretend the file belongs to another config: strict load must refuse it.
    state, _ = load_weights("masked", models)
    other = build_model("masked", {"width": 8, "depth": 3})
    with pytest.raises(RuntimeError):
        other.load_state_dict(state, strict=True)
    assert manifest["models"]["masked"]["file"] == "masked.safetensors"


def test_no_pickle_files_are_ever_loaded():
    from pathlib import Path

    import hdr_studio.inference.weights as w

    src = Path(w.__file__).read_text()
    assert "torch.load" not in src and "pickle" not in src.replace("never pickles", "")


def test_run_model_job_api(models):
    from hdr_studio.core.reader import read_image

    _save("drht", models)
    im = read_image(SAMPLES / "sunset_lomiri.jpg")
    seen = []
    res = run_model(im, "drht", device="cpu", tile=512, progress=lambda f, m: seen.append(f))
    assert res.hdr.shape == im.linear.shape and res.sdr.shape == im.linear.shape
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_cli_models_and_reconstruct_with_a_model(models, tmp_path, capsys):
    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"none", "classical", "declipnet", "drht", "masked", "hybrid"}
    assert rows["none"]["builtin"] and rows["classical"]["available"]
    nets = [r for r in rows.values() if not r["builtin"]]
    assert not any(r["weights"] or r["available"] for r in nets)
    assert all("no trained weights" in r["reason"] for r in nets)
    assert all(r["parameters"] > 10_000 for r in nets)

    out = tmp_path / "o.png"
    src = str(SAMPLES / "sunset_lomiri.jpg")
    assert main(["reconstruct", src, "-o", str(out), "--method", "hybrid"]) == 2
    assert "unavailable" in capsys.readouterr().err and not out.exists()

    _save("hybrid", models, default=True)
    _save("declipnet", models)
    assert main(["models"]) == 0
    assert "weights (default)" in capsys.readouterr().out
    assert main(["reconstruct", src, "-o", str(out), "--tile", "256", "--device", "cpu"]) == 0
    assert "method hybrid" in capsys.readouterr().out  # the default model was picked
    sdr_out = tmp_path / "d.png"
    assert main(["reconstruct", src, "-o", str(sdr_out), "--method", "declipnet"]) == 0
    from hdr_studio.core.reader import read_image

    assert read_image(sdr_out).transfer == "srgb"  # SDR model → SDR PNG by default
    assert np.isfinite(read_image(out).linear).all()
