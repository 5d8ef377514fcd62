"""Masked features — Santos, Tsang Ing Ren and Kalantari, "Single image HDR reconstruction
using a CNN with masked features and perceptual loss" (SIGGRAPH 2020).

A U-Net (VGG-like encoder of paired 3×3 convolutions with max-pooling) whose every
convolution is a :class:`~hdr_studio.inference.layers.FeatureMaskedConv2d`: features from
saturated pixels are suppressed by the soft mask and the mask is carried layer to layer
(§3.1). LeakyReLU in the encoder, ReLU in the decoder, nearest-neighbour upsampling, and a
linear last layer that predicts Ŷ, the HDR image in the log domain (§3.2). The input mask is
M = β(T) with threshold 0.96 (fig. 2). The final image (eq. 1) is
Ĥ = M ⊙ T^γ + (1 − M) ⊙ (exp(Ŷ) − 1); at inference we use the source's exact linearisation
in place of T^γ (γ = 2 in the paper, which assumes an unknown camera curve).
Depth and width are configurable (the paper: VGG16 widths 64…512, five levels).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hdr_studio.core.clipping import SANTOS_THRESHOLD
from hdr_studio.inference.layers import FeatureMaskedConv2d

#: The largest log-domain output decoded, log(1 + H) ≤ 30 (H ≈ 1e13 × white): where β = 1
#: nothing constrains the network's output, and exp of a drifted value overflows float32.
LOG_CAP = 30.0


def beta(t: torch.Tensor, threshold: float = SANTOS_THRESHOLD) -> torch.Tensor:
    """Santos' β: 1 for well-exposed, falling linearly to 0 between threshold and 1."""
    return 1.0 - ((t - threshold) / (1.0 - threshold)).clamp(0.0, 1.0)


class _Stage(nn.Module):
    def __init__(self, cin: int, cout: int, act: nn.Module) -> None:
        super().__init__()
        self.c1 = FeatureMaskedConv2d(cin, cout)
        self.c2 = FeatureMaskedConv2d(cout, cout)
        self.act = act

    def forward(self, x, m):
        x, m = self.c1(x, m)
        x, m = self.c2(self.act(x), m)
        return self.act(x), m


class MaskedUNet(nn.Module):
    """The feature-masking U-Net; forward(T) → Ŷ (log-domain HDR), same size as T."""

    def __init__(self, width: int = 64, depth: int = 5, threshold: float = SANTOS_THRESHOLD):
        super().__init__()
        self.threshold = threshold
        self.stride = 2**depth
        chans = [min(width * 2**i, width * 8) for i in range(depth + 1)]
        lrelu, relu = nn.LeakyReLU(0.2), nn.ReLU()
        self.down = nn.ModuleList()
        c = 3
        for ch in chans[:-1]:
            self.down.append(_Stage(c, ch, lrelu))
            c = ch
        self.bottom = _Stage(c, chans[-1], lrelu)
        self.up = nn.ModuleList()
        c = chans[-1]
        for ch in reversed(chans[:-1]):
            self.up.append(_Stage(c + ch, ch, relu))
            c = ch
        self.head = FeatureMaskedConv2d(c, 3, 3)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        x, m = t, beta(t, self.threshold)
        skips = []
        for stage in self.down:
            x, m = stage(x, m)
            skips.append((x, m))
            x, m = F.max_pool2d(x, 2), F.max_pool2d(m, 2)
        x, m = self.bottom(x, m)
        for stage, (sx, sm) in zip(self.up, reversed(skips), strict=True):
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            m = F.interpolate(m, scale_factor=2.0, mode="nearest")
            x, m = stage(torch.cat([x, sx], 1), torch.cat([m, sm], 1))
        return self.head.features(x, m)  # the last mask is not needed


class MaskedEnsemble(nn.Module):
    """Several :class:`MaskedUNet` trained apart (other seeds, other data), run on the same
    input; forward(T) → the mean of their Ŷ, i.e. the geometric mean of their 1 + Ĥ.
    Averaging the results of networks trained from separate starts gains where averaging
    their weights cannot (bench/QUALITY.md, "Two networks averaged"). Each member's weights
    are kept under ``members.K.``."""

    def __init__(self, members: int = 2, **unet: float) -> None:
        super().__init__()
        if members < 2:
            raise ValueError(f"an ensemble needs two members or more, got {members}")
        self.members = nn.ModuleList(MaskedUNet(**unet) for _ in range(members))  # type: ignore[arg-type]
        self.stride = self.members[0].stride
        self.threshold = self.members[0].threshold

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        total = self.members[0](t)
        for member in self.members[1:]:
            total = total + member(t)
        return total / len(self.members)


def blend(
    t: torch.Tensor, linear_t: torch.Tensor, y: torch.Tensor, threshold: float = SANTOS_THRESHOLD
):
    """Eq. 1: Ĥ = M ⊙ lin(T) + (1 − M) ⊙ (exp(Ŷ) − 1), M = β(T)."""
    m = beta(t, threshold)
    return m * linear_t + (1 - m) * (torch.exp(y) - 1)
