"""Rendering, samplers, losses and metrics of the training package."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hdr_studio.training import losses as L
from hdr_studio.training import metrics as M
from hdr_studio.training.samplers import HdrPool, PhotoPool, random_holes

# -- Mitsuba renders ------------------------------------------------------------------------


def test_scene_description_is_a_function_of_the_seed():
    pytest.importorskip("mitsuba")
    from hdr_studio.training.data.render import scene_description

    a, b, c = (scene_description(s, 32, 24, 4) for s in (7, 7, 8))
    assert a.keys() == b.keys()
    assert str(a["sensor"]["to_world"]) == str(b["sensor"]["to_world"])
    assert a["sensor"]["fov"] == b["sensor"]["fov"] != c["sensor"]["fov"]
    kinds = {scene_description(s, 16, 16, 1)["_kind"] for s in range(12)}
    assert kinds == {"room", "outdoor"}


def test_render_is_hdr_and_reproducible(tmp_path):
    pytest.importorskip("mitsuba")
    from hdr_studio.training.data.dataset import read_hdr
    from hdr_studio.training.data.render import render, render_dataset

    tex = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
    # Seed 0 is a room with lamps (emitters far brighter than the walls they light).
    img, kind = render(0, 48, 36, 8, [tex])
    assert kind == "room" and img.shape == (36, 48, 3) and np.isfinite(img).all() and img.min() >= 0
    m = img.max(axis=2)
    assert m.max() > 20 * np.median(m)  # a real dynamic range, not an SDR picture
    # The scene is a function of the seed; the Monte Carlo noise of Mitsuba's multi-threaded
    # CPU renderer is not always bit-identical between runs (seen in the full suite), so
    # compare the image statistics, not the bits.
    again, _ = render(0, 48, 36, 8, [tex])
    assert abs(float(again.mean()) / float(img.mean()) - 1) < 0.1
    assert np.corrcoef(np.log1p(img).ravel(), np.log1p(again).ravel())[0, 1] > 0.8
    (path,) = render_dataset(tmp_path, [3], 40, 30, 4)
    assert path.name == "scene_000003.exr"
    back = read_hdr(path)  # float32 EXR: no half overflow for the sun
    assert back.shape == (30, 40, 3) and back.dtype == np.float32


# -- samplers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    from hdr_studio.training.data.synthetic import render_scene

    return HdrPool([render_scene(s, 96, 128) for s in range(3)])


def test_shots_are_reproducible_and_clipped(pool):
    a = pool.shots(np.random.default_rng(5), 3, 64)
    b = pool.shots(np.random.default_rng(5), 3, 64)
    np.testing.assert_array_equal(a.code, b.code)
    assert a.code.shape == a.truth.shape == a.ldr.shape == (3, 3, 64, 64)
    assert a.code.min() >= 0 and a.code.max() <= 1
    assert a.truth.max() > 1.0  # values above the camera's white exist
    # The unclipped LDR target agrees with the code where nothing clipped.
    ok = a.code < 0.9
    assert np.abs(a.ldr[ok] - a.code[ok]).mean() < 0.03


def test_textured_sampling_prefers_textured_saturated_patches(pool):
    from hdr_studio.training.data.patches import patch_metric

    rng = np.random.default_rng(1)
    plain = pool.shots(np.random.default_rng(1), 8, 48)
    tex = pool.shots(rng, 8, 48, textured=True)

    def score(b):
        out = []
        for c, t in zip(b.code, b.truth, strict=True):
            well = (c.transpose(1, 2, 0) < 0.96).all(axis=2).astype(np.float32)
            out.append(patch_metric(t.transpose(1, 2, 0), well))
        return np.mean(out)

    assert score(tex) >= score(plain)


def test_photo_pairs():
    rng = np.random.default_rng(0)
    photo = (np.random.default_rng(1).random((80, 100, 3)) * 255).astype(np.uint8)
    pp = PhotoPool([photo])
    x, t = pp.declip(rng, 2, 32)
    assert x.shape == t.shape == (2, 3, 32, 32)
    assert x.min() >= 0 and x.max() <= 1 and (t.max() > 1 or t.min() < 0)
    inside = (x > 0) & (x < 1)
    np.testing.assert_allclose(x[inside], t[inside], atol=1e-6)
    xi, lin, hole = pp.inpaint(rng, 2, 32)
    assert (xi[hole > 0] == 1).all() and lin.max() <= 1
    m = random_holes(np.random.default_rng(3), 64)
    assert set(np.unique(m)) <= {0.0, 1.0} and 0 < m.mean() < 0.9


# -- losses ---------------------------------------------------------------------------------


def test_ssim_loss_and_gan_terms():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(2, 3, 32, 32, generator=g)
    assert float(L.ssim(a, a)) == pytest.approx(1.0, abs=1e-5)
    noisy = a + 0.2 * torch.randn(a.shape, generator=g)
    assert float(L.ssim(noisy, a)) < 0.8
    x = torch.tensor([-3.0, 0.0, 2.5])
    ref = torch.nn.functional.binary_cross_entropy_with_logits(x, torch.ones(3))
    assert float(L.gan_bce(x, True)) == pytest.approx(float(ref), rel=1e-6)
    critic = L.Critic(3, 4)
    gp = L.gradient_penalty(critic, a, noisy)
    assert gp.item() >= 0 and gp.requires_grad
    assert float(L.masked_l1(a, a + 1, torch.zeros(2, 1, 32, 32))) == 0.0
    assert float(L.gradient_l1(a, a + 5.0)) == pytest.approx(0.0, abs=1e-6)


def test_vgg_from_file(tmp_path):
    from safetensors.torch import save_file

    net = L.VGGFeatures()
    save_file(
        {k: v for k, v in net.state_dict().items() if k.startswith("features.")},
        str(tmp_path / "vgg.safetensors"),
    )
    vgg = L.VGGFeatures.from_file(tmp_path / "vgg.safetensors")
    feats = vgg(torch.rand(1, 3, 32, 32))
    assert [f.shape[1] for f in feats] == [64, 128, 256]
    p, s = L.perceptual_style(vgg, torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32))
    assert p.item() > 0 and s.item() >= 0
    save_file({"x": torch.zeros(1)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not VGG-16"):
        L.VGGFeatures.from_file(tmp_path / "other.safetensors")


# -- metrics --------------------------------------------------------------------------------


def test_pu21_encoding():
    y = np.array([0.001, 0.005, 1.0, 100.0, 10000.0, 1e6])
    v = M.pu21_encode(y)
    assert v[0] == v[1] and v[-1] == v[-2]  # clamped to [0.005, 10000]
    assert np.all(np.diff(v[1:-1]) > 0)
    # PU21's design: ~256 units at 100 cd/m² (the PSNR peak convention).
    assert 200 < M.pu21_encode(np.array([100.0]))[0] < 300


def test_pu21_psnr_orders_errors_and_masks():
    rng = np.random.default_rng(0)
    t = rng.random((16, 16, 3)).astype(np.float32) * 4
    assert M.pu21_psnr(t, t) == float("inf")
    small, big = M.pu21_psnr(t * 1.05, t), M.pu21_psnr(t * 1.5, t)
    assert small > big
    mask = np.zeros((16, 16), bool)
    assert np.isnan(M.pu21_psnr(t, t, mask))
    mask[:4] = True
    pred = t.copy()
    pred[8:] *= 2  # error only outside the mask
    assert M.pu21_psnr(pred, t, mask) == float("inf")


def test_ssim_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(0)
    a = rng.random((48, 48, 3))
    b = np.clip(a + 0.1 * rng.standard_normal(a.shape), 0, 1)
    ref = skm.structural_similarity(
        a,
        b,
        channel_axis=2,
        data_range=1.0,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    assert M.ssim(b, a) == pytest.approx(ref, abs=0.01)


# -- photo sources --------------------------------------------------------------------------


def test_photo_splits_are_disjoint_sources_and_sizes_collapse_to_one(tmp_path):
    from hdr_studio.training.data.photos import DEB_SOURCES, SPLITS, _pick

    assert {s.split for s in DEB_SOURCES} <= set(SPLITS)
    packages = {s.split: s.package for s in DEB_SOURCES}
    assert len(set(packages.values())) == len(packages)  # one package per split
    # Plasma's layout: NAME/contents/images/WxH.ext, several sizes of one picture.
    files = []
    for name, sizes in (("Altai", (10, 300, 20)), ("Path", (50,))):
        for i, n in enumerate(sizes):
            f = tmp_path / name / "contents" / "images" / f"{i}x{i}.jpg"
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(b"x" * n)
            files.append(f)
    picked = _pick(sorted(files), 2)
    assert [(f.parent.parent.parent.name, stem) for f, stem in picked] == [
        ("Altai", "Altai"),
        ("Path", "Path"),
    ]
    assert picked[0][0].stat().st_size == 300  # the largest size of each picture
    assert _pick(files[:2], 0) == [(files[0], "0x0"), (files[1], "1x1")]


def test_delta_e_itp():
    from hdr_studio.training.metrics import delta_e_itp, ictcp

    white = np.ones((1, 3), np.float32)
    i, ct, cp = ictcp(white)[0]
    assert abs(ct) < 1e-3 and abs(cp) < 1e-3 and abs(i - 0.5807) < 1e-3  # PQ(203 nits), neutral
    sky = np.full((4, 4, 3), [0.2, 0.4, 1.0], np.float32)
    assert delta_e_itp(sky, sky) == 0.0
    cyan = np.full((4, 4, 3), [0.2, 0.9, 1.0], np.float32)
    assert delta_e_itp(cyan, sky) > 20  # the hue error of a sky rebuilt cyan
    brighter = sky * np.float32(1.01)
    assert delta_e_itp(brighter, sky) < 3  # 1 % more light: near the visibility threshold
    mask = np.zeros((4, 4), bool)
    assert np.isnan(delta_e_itp(cyan, sky, mask))
    mask[0, 0] = True
    assert delta_e_itp(cyan, sky, mask) == pytest.approx(delta_e_itp(cyan, sky))


def test_chroma_l1_sees_hue_not_brightness():
    import torch

    from hdr_studio.training.losses import chroma_l1

    truth = torch.rand(2, 3, 8, 8) + 0.1
    assert chroma_l1(truth * 4.0, truth).item() < 1e-3  # brighter, same colour: no error
    cyan = truth.clone()
    cyan[:, 1:] *= 2.0  # green and blue pushed up against red: the cyan-sky error
    assert chroma_l1(cyan, truth).item() > 0.2
    mask = torch.zeros(2, 3, 8, 8)
    mask[..., :4, :] = 1.0
    part = cyan.clone()
    part[..., :4, :] = truth[..., :4, :]  # right where the mask is, wrong elsewhere
    assert chroma_l1(part, truth, mask).item() < 1e-3
    assert chroma_l1(part, truth).item() > 0.05
