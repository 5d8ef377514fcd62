"""Layers against their papers' equations on small hand-checked cases."""

import pytest
import torch
import torch.nn.functional as F

from hdr_studio.inference.layers import ContextualAttention, FeatureMaskedConv2d, PartialConv2d

torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _no_grad():
    with torch.no_grad():
        yield


def test_feature_masked_conv_with_all_ones_mask_is_a_plain_conv():
    layer = FeatureMaskedConv2d(3, 5, 3)
    x = torch.randn(2, 3, 9, 11)
    out, mask = layer(x, torch.ones(2, 3, 9, 11))
    torch.testing.assert_close(out, layer.conv(x))
    # Interior of the new mask: (|W| / ‖W‖₁) ∗ 1 = 1.
    torch.testing.assert_close(mask[..., 1:-1, 1:-1], torch.ones(2, 5, 7, 9), atol=1e-5, rtol=0)


def test_feature_masked_conv_zero_mask_kills_features_and_mask_update_formula():
    layer = FeatureMaskedConv2d(1, 1, 3)
    x = torch.randn(1, 1, 5, 5)
    m = torch.zeros(1, 1, 5, 5)
    m[..., 2, 2] = 1.0
    out, new = layer(x, m)
    torch.testing.assert_close(out, F.conv2d(x * m, layer.conv.weight, layer.conv.bias, padding=1))
    w = layer.conv.weight.abs()[0, 0]
    w = w / (w.sum() + layer.eps)
    # The centre pixel's mask spreads to its neighbours with the flipped normalised kernel.
    assert new[0, 0, 2, 2] == pytest.approx(float(w[1, 1]), rel=1e-5)
    assert new[0, 0, 1, 1] == pytest.approx(float(w[2, 2]), rel=1e-5)
    assert new[0, 0, 0, 0] == 0


def test_partial_conv_renormalises_and_updates_the_mask():
    layer = PartialConv2d(2, 1, 3)
    with torch.no_grad():
        layer.conv.weight.fill_(1.0)
        layer.conv.bias.fill_(0.5)
    x = torch.ones(1, 2, 5, 5) * 2.0
    m = torch.ones(1, 2, 5, 5)
    m[:, :, :, :2] = 0  # left two columns invalid in both channels
    m[:, 1, 2, 3] = 0  # one more invalid in channel 1 only
    out, new = layer(x, m)
    # Corner window at the border: 8 valid inputs of 18, renormalised: 2·8·18/8 + bias.
    assert out[0, 0, 0, 4] == pytest.approx(36.5)
    # Any window with ≥ 1 valid input: renormalised mean × window size, so x=2 → 36 + bias.
    assert out[0, 0, 2, 2] == pytest.approx(36.0 + 0.5)
    assert out[0, 0, 2, 1] == pytest.approx(36.0 + 0.5)
    # Column 0 sees only invalid pixels: output 0 and mask stays 0.
    assert out[0, 0, 2, 0] == 0 and new[0, 0, 2, 0] == 0
    assert new[0, 0, 2, 1] == 1
    assert new.shape == (1, 1, 5, 5)


def test_partial_conv_ratio_is_window_over_valid_count():
    layer = PartialConv2d(1, 1, 3, bias=False)
    with torch.no_grad():
        layer.conv.weight.fill_(1.0)
    x = torch.arange(25.0).view(1, 1, 5, 5)
    m = torch.ones(1, 1, 5, 5)
    m[..., 1, 1] = 0
    out, _ = layer(x, m)
    window = x[0, 0, 0:3, 0:3] * m[0, 0, 0:3, 0:3]
    assert out[0, 0, 1, 1] == pytest.approx(float(window.sum() * 9 / 8))


def test_contextual_attention_copies_the_unique_matching_patch_into_a_hole():
    torch.manual_seed(3)
    feat = torch.randn(1, 8, 16, 16)
    # Hole at (5..7, 5..7) holds a noisy copy of the patch around (11, 10).
    source = feat[:, :, 10:13, 9:12].clone()
    feat[:, :, 5:8, 5:8] = source + 0.05 * torch.randn_like(source)
    hole = torch.zeros(1, 1, 16, 16)
    hole[..., 5:8, 5:8] = 1
    out = ContextualAttention(window=8, scale=50.0)(feat, hole)
    torch.testing.assert_close(out[:, :, 6, 6], feat[:, :, 11, 10], atol=1e-3, rtol=0)
    torch.testing.assert_close(out[..., 0:4, :], feat[..., 0:4, :])  # outside: unchanged


def test_contextual_attention_leaves_holes_without_background_unchanged():
    feat = torch.randn(1, 4, 6, 6)
    out = ContextualAttention(window=2)(feat, torch.ones(1, 1, 6, 6))
    torch.testing.assert_close(out, feat)
