"""``hdr-studio curve-prior``: the prior behind ``--curve auto`` is fitted on the training
scenes, its shrink chosen on validation within the sRGB limit, and written as a safetensors
file the estimator loads, with a card."""

from __future__ import annotations

import numpy as np

from hdr_studio.cli import main
from hdr_studio.core.curve_estimate import estimated_curve, load_prior
from hdr_studio.training import curve_prior as cp


def test_best_exponent_of_known_curves():
    assert abs(cp.best_exponent(cp.srgb_curve) - 1.0) < 0.01  # the floor and the table
    flatter = cp.best_exponent(lambda h: cp.srgb_curve(np.clip(h, 0, 1) ** (1 / 0.6)))
    assert abs(flatter - 0.6) < 0.02


def test_fit_and_ship(tiny_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cp, "PER_TRAINING_SCENE", 8)
    monkeypatch.setattr(cp, "PER_VALIDATION_SCENE", 3)
    out = tmp_path / "curves"
    assert main(["curve-prior", "--data", str(tiny_data), "--ship", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "48 training shots of 6 scenes, 12 validation" in printed
    prior = load_prior(out / "curve_prior.safetensors")
    card = (out / "curve_prior.md").read_text()
    (chosen,) = [line for line in card.splitlines() if line.endswith("chosen |")]
    _, shrink, _, srgb = (c.strip() for c in chosen.strip("|").split("|")[:4])
    assert float(shrink) == prior.shrink and float(srgb) >= -cp.SRGB_LIMIT_DB
    assert prior.weights.size == prior.mean.size + 1
    x = np.linspace(0, 1, 64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3)
    assert estimated_curve(x, prior).name.startswith("estimated from the photo: sRGB^")


def test_no_scenes_is_a_one_line_error(tmp_path, capsys):
    assert main(["curve-prior", "--data", str(tmp_path), "--ship", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no training or validation scenes" in err[0]
