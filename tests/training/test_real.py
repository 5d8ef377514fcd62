"""Real HDR photographs as data: the manifest, ``hdr-studio data real`` on a small fixture
(real files read through OpenImageIO), perspective views of panoramas, the training pool's
real share, and the brightness metrics ``hdr-studio eval`` reports."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.training.data import real
from hdr_studio.training.metrics import brightness_errors

FIXTURE = Path(__file__).with_name("real_fixture")


def _fixture_sources() -> list[real.RealSource]:
    return real.load_sources(FIXTURE / "sources.json")


def test_the_manifest_names_every_source_and_splits_by_photograph():
    sources = real.load_sources()
    assert len(sources) >= 40
    assert {s.split for s in sources} == {"train", "val", "eval"}
    assert sum(s.split == "eval" for s in sources) >= 10
    for s in sources:
        assert re.fullmatch(r"[0-9a-f]{64}", s.sha256), s.path
        assert re.fullmatch(r"[0-9a-f]{40}", s.commit), s.path
        assert s.licence and s.shows and s.kind in ("photo", "latlong")
        # the sets reserved for independent evaluation are never a source
        assert "Deep-HdrReconstruction" not in s.repo and "pu21" not in s.repo
        assert "blender" not in s.repo.lower()
    files = [(s.repo, s.path) for s in sources]
    assert len(set(files)) == len(files)


def test_data_real_builds_crops_and_pair_sets_and_names_what_is_missing(tmp_path):
    sources = _fixture_sources()
    absent = real.RealSource(**dict(sources[0].to_json(), path="hdri/not_here.hdr"))
    summary = real.build_real(
        tmp_path, FIXTURE / "files", [*sources, absent], crops={"train": 3, "val": 2, "eval": 2}
    )
    assert [m["path"] for m in summary["missing"]] == ["hdri/not_here.hdr"]
    assert summary["splits"] == {
        "train": {"sources": 1, "crops": 3},
        "val": {"sources": 1, "crops": 2},
        "eval": {"sources": 1, "crops": 2},
    }
    crops = real.real_paths(tmp_path, "train")
    assert len(crops) == 3
    from hdr_studio.training.data.dataset import read_hdr

    c = read_hdr(crops[0])
    assert c.shape == (192, 256, 3) and c.min() >= 0 and np.isfinite(c).all() and c.max() > 0
    for folder, n in (("valset", 2), ("evalset", 2)):
        m = json.loads((tmp_path / "real" / folder / "manifest.json").read_text())
        assert len(m["hdr"]) == n * len(real.CURVES)
        assert {e["curve"] for e in m["hdr"]} == set(real.CURVES)
        from hdr_studio.core.reader import read_image

        item = m["hdr"][0]
        image = read_image(tmp_path / "real" / folder / "hdr" / f"{item['name']}.png")
        truth = read_hdr(tmp_path / "real" / folder / "hdr" / f"{item['name']}_truth.exr")
        assert image.code.shape == truth.shape
        assert (image.code.max(axis=2) >= 254 / 255).any()  # the camera clipped it
        assert truth.max() > 1  # and the truth holds what it clipped


def test_a_file_whose_checksum_differs_is_not_used(tmp_path):
    src = _fixture_sources()[0]
    copy = tmp_path / src.repo / src.path
    copy.parent.mkdir(parents=True)
    shutil.copy(FIXTURE / "files" / src.repo / src.path, copy)
    assert real.locate(src, tmp_path) == copy
    copy.write_bytes(copy.read_bytes() + b"\0")
    found, missing = real.find_sources(tmp_path, [src])
    assert found == {} and missing == [src]
    with pytest.raises(FileNotFoundError, match="none of the 1"):
        real.build_real(tmp_path / "data", tmp_path, [src])


def test_a_perspective_view_of_a_panorama_looks_where_it_is_aimed():
    h, w = 180, 360
    lon = (np.arange(w) + 0.5) / w * 360 - 180  # degrees, 0 at the centre column
    lat = 90 - (np.arange(h) + 0.5) / h * 180
    pano = np.zeros((h, w, 3), np.float32)
    pano[..., 0] = lon[None, :]
    pano[..., 1] = lat[:, None]
    pano[..., 0] += 200  # keep it positive
    pano[..., 1] += 200
    view = real.perspective_view(pano, np.radians(90), np.radians(20), np.radians(60), (64, 48))
    centre = view[24, 32] - 200
    assert abs(centre[0] - 90) < 2 and abs(centre[1] - 20) < 2
    # straight lines of a pinhole view: the left edge is further left than the centre
    assert view[24, 0, 0] - 200 < centre[0] - 25


def test_data_real_cli(tmp_path, capsys):
    from hdr_studio.cli import main

    rc = main(["data", "real", "--data", str(tmp_path), "--from", str(tmp_path / "nowhere")])
    assert rc != 0
    assert "no such folder" in capsys.readouterr().err
    rc = main(["data", "real", "--data", str(tmp_path), "--from", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc != 0 and "DATA.md" in err and "Traceback" not in err


def test_data_real_cli_count_sets_the_crops_of_each_training_photograph(
    tmp_path, capsys, monkeypatch
):
    from hdr_studio.cli import main

    # the fixture's small copies stand in for the manifest's files (their digests differ)
    fixture = _fixture_sources()
    monkeypatch.setattr(real, "load_sources", lambda *_: fixture)
    rc = main(["data", "real", "--data", str(tmp_path), "--from", str(FIXTURE / "files")])
    assert rc == 0 and "real/train: 12 crops of 1 photographs" in capsys.readouterr().out
    rc = main(
        ["data", "real", "--data", str(tmp_path), "--from", str(FIXTURE / "files"), "--count", "5"]
    )
    assert rc == 0 and "real/train: 5 crops of 1 photographs" in capsys.readouterr().out
    # a rebuild with fewer crops leaves none of the earlier build's behind
    assert len(real.real_paths(tmp_path, "train")) == 5


def test_sources_added_later_leave_the_earlier_crops_and_configs_as_they_were(tmp_path):
    """A source appended to the manifest adds crops; the earlier sources' crops are the
    same bytes, and a config's ``real_added_by`` keeps to the sources of its date."""
    first = _fixture_sources()[0]
    later = real.RealSource(**dict(first.to_json(), path="hdri/later.hdr", added="2026-12-08"))
    files = tmp_path / "files"
    shutil.copytree(FIXTURE / "files", files)
    shutil.copy(files / first.repo / first.path, files / first.repo / later.path)
    real.build_real(tmp_path / "a", files, [first], crops={"train": 3})
    real.build_real(tmp_path / "b", files, [first, later], crops={"train": 3})
    before = real.training_crops(tmp_path / "a")
    assert [p.name for p in before] == [
        "noon_grass_128_0.exr",
        "noon_grass_128_1.exr",
        "noon_grass_128_2.exr",
    ]
    assert len(real.training_crops(tmp_path / "b")) == 6
    kept = real.training_crops(tmp_path / "b", "2026-12-03", [first, later])
    assert [p.name for p in kept] == [p.name for p in before]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(before, kept, strict=True))
    assert len(real.training_crops(tmp_path / "b", "2026-12-08", [first, later])) == 6
    for config in Path(real.__file__).parents[1].glob("configs/*.json"):
        cfg = json.loads(config.read_text())  # every recipe names the sources it keeps to
        assert not cfg.get("real_share") or cfg.get("real_added_by"), config
    shipped = json.loads((config.parent / "masked-distill-long.json").read_text())
    assert shipped["real_added_by"] == "2026-12-03"  # the shipped network's recipe


def test_the_training_pool_draws_real_crops_at_its_share():
    from hdr_studio.training.samplers import HdrPool

    scenes = [np.full((64, 64, 3), 0.5, np.float32)]
    photos = [np.full((64, 64, 3), 4.0, np.float32)]
    rng = np.random.default_rng(0)
    pool = HdrPool(scenes, photos, real_share=0.3)
    drawn = [float(pool.crop(rng, 32).max()) for _ in range(400)]
    share = np.mean([d == 4.0 for d in drawn])
    assert 0.22 < share < 0.38
    assert all(float(HdrPool(scenes).crop(rng, 32).max()) == 0.5 for _ in range(20))
    with pytest.raises(ValueError, match="data real"):
        HdrPool(scenes, [], real_share=0.5)


def test_brightness_errors_in_stops():
    rng = np.random.default_rng(1)
    truth = rng.uniform(0.5, 8, (32, 32, 3)).astype(np.float32)
    mask = np.ones((32, 32), bool)
    mean, top = brightness_errors(truth * 2, truth, mask)
    assert mean == pytest.approx(1.0, abs=1e-6) and top == pytest.approx(1.0, abs=1e-6)
    lamp = np.ones((32, 32, 3), np.float32)
    lamp[:4] = 16.0  # an eighth of the region is a light source
    dim = lamp.copy()
    dim[:4] = 4.0  # which comes back two stops too dark
    mean, top = brightness_errors(dim, lamp, mask)
    assert top == pytest.approx(-2.0, abs=1e-6) and mean == pytest.approx(-0.25, abs=1e-6)
    assert np.isnan(brightness_errors(truth, truth, ~mask)[0])


def test_a_fine_tuned_model_card_names_its_data_and_its_base():
    from hdr_studio.training.cards import card_text

    base_tc = {"model": "masked", "synthetic": 150, "stages": [{"name": "hdr", "steps": 5}]}
    tc = {"model": "masked", "init": "shipped", "real_share": 0.5, "peak_weight": 1.0,
          "stages": [{"name": "hdr", "steps": 3, "lr": 1e-4}]}  # fmt: skip
    meta = {
        "training_config": json.dumps(tc),
        "config": '{"width": 16}',
        "parameters": "10",
        "calibration": json.dumps({"hdr": 1.0, "over": 1.0, "under": 1.0}),
        "calibration_set": "real/valset",
        "fine_tuned_from": json.dumps([{"training_config": json.dumps(base_tc), "steps": "2600"}]),
    }
    row = dict.fromkeys(
        ("pu21_all", "pu21_in", "pu21_out", "logl1_in", "de_partial", "de_full"), 1.0
    )
    report = {
        "set": "/data/real/evalset",
        "hdr": {"masked": row, "none": row, "classical": row},
        "sdr": {},
    }
    text = card_text("masked", {"metadata": meta, "bytes": 1}, report, "hdr-studio eval")
    assert "50% of the HDR patches are crops of real HDR photographs" in text
    assert "Fine-tuned from weights (trained 2600 steps with masked.json)" in text
    assert "brightest 1%" in text
    assert "real-photo validation split" in text
    assert "held-out set `real/evalset`" in text


def test_eval_on_a_real_photo_set_reports_each_curve_and_writes_cards(tmp_path):
    """An HDR-only pair set (no SDR pairs): a table per camera curve, no SDR table, and the
    model cards name the set."""
    from hdr_studio.training.cards import card_text
    from hdr_studio.training.evaluate import evaluate, format_report

    real.build_real(tmp_path, FIXTURE / "files", _fixture_sources(), crops={"eval": 1})
    report = evaluate(tmp_path / "real" / "evalset", methods=["none", "classical", "masked"])
    assert set(report["hdr_groups"]) == set(real.CURVES) and report["sdr"] == {}
    text = format_report(report, "hdr-studio eval")
    assert "`sigmoid` camera curve" in text and "SDR declipping" not in text
    assert "brightest 1 %" in text
    from hdr_studio.inference.weights import read_manifest

    card = card_text("masked", read_manifest()["models"]["masked"], report, "hdr-studio eval")
    assert "held-out set `real/evalset`" in card
