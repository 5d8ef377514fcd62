import numpy as np
import pytest

from hdr_studio.core import decompose as d


def _scene(h=60, w=80, seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    img[:, : w // 2] = (0.2, 0.25, 0.3)
    img[:, w // 2 :] = (0.8, 0.7, 0.6)
    img[h // 3 : 2 * h // 3, w // 5 : 4 * w // 5] += 0.15
    img += 0.04 * rng.standard_normal(img.shape).astype(np.float32)
    return np.clip(img, 0.01, 1.0)


def _psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((a - b) ** 2))


def test_exact_solves_the_farbman_system():
    import scipy.sparse as sp

    img = _scene(12, 15)[..., 0]
    lam = 0.7
    base = d.wls_exact(img, lam=lam).astype(np.float64)
    ax, ay = d.wls_weights(d.log_luminance(img[..., None]))
    # Energy gradient: (u - g) + λ (Dxᵀ Ax Dx u + Dyᵀ Ay Dy u) = 0
    h, w = img.shape
    dx = sp.kron(sp.eye(h), sp.diags([-1.0, 1.0], [0, 1], shape=(w - 1, w)))
    dy = sp.kron(sp.diags([-1.0, 1.0], [0, 1], shape=(h - 1, h)), sp.eye(w))
    u = base.ravel()
    grad = (u - img.ravel()) + lam * (
        dx.T @ (ax.ravel() * (dx @ u)) + dy.T @ (ay.ravel() * (dy @ u))
    )
    assert np.abs(grad).max() < 1e-3  # weights are float32, up to 1/ε = 1e4


def test_fast_agrees_with_exact():
    img = _scene()
    for lam in (0.5, 1.0, 2.0):
        assert _psnr(d.wls_exact(img, lam), d.wls_fast(img, lam)) > 35


def test_smooths_noise_but_keeps_edges():
    img = _scene(seed=3)
    base = d.wls_base(img, lam=1.0)
    noise_in = np.std(img[5:15, 5:25, 0])
    noise_out = np.std(base[5:15, 5:25, 0])
    assert noise_out < 0.5 * noise_in
    edge = base[:, 42].mean() - base[:, 37].mean()
    assert edge > 0.8 * (img[:, 42].mean() - img[:, 37].mean())


def test_constant_image_and_detail_ratio():
    img = np.full((20, 30, 3), 0.4, np.float32)
    base, detail = d.decompose(img)
    np.testing.assert_allclose(base, img, atol=1e-5)
    np.testing.assert_allclose(detail, 1.0, atol=1e-4)
    img = _scene()
    base, detail = d.decompose(img, method="fast")
    np.testing.assert_allclose(base * detail, img, rtol=1e-5, atol=1e-6)


def test_shapes_and_methods():
    g = _scene()[..., 0]
    assert d.wls_base(g, method="exact").shape == g.shape
    assert d.wls_fast(g).shape == g.shape
    with pytest.raises(ValueError, match="method"):
        d.wls_base(g, method="slow")
    with pytest.raises(ValueError, match="H, W"):
        d.wls_base(np.zeros((1, 5, 3)))
