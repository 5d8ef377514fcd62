"""Base/detail hybrid HDR reconstruction (the seed in shared/seeds/base-detail-hybrid.txt).

The SDR input S is split by the WLS filter into a base layer S_b and a detail layer
S_d = S ⊘ S_b (§3.1, done in :mod:`hdr_studio.core.decompose` on the whole image before
tiling); the 3-channel mask M_c = max(0, S_b,c − τ)/(1 − τ) marks saturation per channel.

* f_b, base net (§3.2.1): a U-Net with ReLU, max-pooling and upsampling that maps S_b to the
  HDR base layer Ĥ_b — extending the dynamic range and mapping Rec.709 to Rec.2020; it
  predicts the correction to :func:`base_prior` (S_b decoded, 709 → 2020, PQ at 203 cd/m²),
  so unclipped areas need no learning;
* f_d, detail net (§3.2.2): a U-Net of partial convolutions (kernels 7, 5, 5, then 3) driven
  by the 3-channel validity mask 1 − M, with a contextual-attention branch at its coarsest
  level that pastes matching unmasked feature patches into the saturated areas → Ĥ_d;
* f_r, refinement net (§3.2.3): convolutions over (Ĥ_b, Ĥ_d) predicting a correction of the
  base, Ĥ = Ĥ_b + f_r(Ĥ_b, Ĥ_d).

Everything is in the PQ-encoded, [0, 1]-normalised domain (ITU-R BT.2408: SDR white at
203 cd/m²), Rec.2020 primaries. Input tensor: 9 channels (S_b, S_d, M); output: Ĥ, 3 channels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hdr_studio.inference.blocks import PlainUNet, srgb_to_linear
from hdr_studio.inference.layers import ContextualAttention, PartialConv2d


class DetailNet(nn.Module):
    """Partial-convolution U-Net with a contextual-attention branch."""

    kernels = (7, 5, 5, 3)

    def __init__(self, width: int = 64, window: int = 4) -> None:
        super().__init__()
        w = width
        chans = [w, 2 * w, 4 * w, 4 * w]
        self.enc = nn.ModuleList()
        c = 3
        for k, ch in zip(self.kernels, chans, strict=True):
            self.enc.append(PartialConv2d(c, ch, k, stride=2))
            c = ch
        self.attention = ContextualAttention(window=window, scale=10.0)
        self.merge = PartialConv2d(2 * c, c, 3)
        self.dec = nn.ModuleList()
        skips = [4 * w, 2 * w, w, 3]
        outs = [4 * w, 2 * w, w, w]
        for s, o in zip(skips, outs, strict=True):
            self.dec.append(PartialConv2d(c + s, o, 3))
            c = o
        self.head = nn.Conv2d(c, 3, 1)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, detail: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        x, m = detail, valid
        skips = [(x, m)]
        for i, layer in enumerate(self.enc):
            x, m = layer(x, m)
            x = self.act(x) if i else F.relu(x)
            skips.append((x, m))
        skips.pop()
        # A coarse position is a hole when every pixel under it is saturated in some channel.
        hole = 1.0 - F.adaptive_max_pool2d(valid.amin(1, keepdim=True), x.shape[-2:])
        ctx = self.attention(x, hole)
        x, m = self.merge(torch.cat([x, ctx], 1), torch.cat([m, m], 1))
        x = self.act(x)
        for layer, (sx, sm) in zip(self.dec, reversed(skips), strict=True):
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            m = F.interpolate(m, scale_factor=2.0, mode="nearest")
            x, m = layer(torch.cat([x, sx], 1), torch.cat([m, sm], 1))
            x = self.act(x)
        return self.head(x)


# BT.2087 linear Rec.709 → Rec.2020 and SMPTE ST 2084 constants, for the base prior.
_M709_2020 = ((0.6274, 0.3293, 0.0433), (0.0691, 0.9195, 0.0114), (0.0164, 0.0880, 0.8956))
_PQ_M1, _PQ_M2 = 2610 / 16384, 2523 / 4096 * 128
_PQ_C1, _PQ_C2, _PQ_C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
REFERENCE_WHITE = 203.0


def base_prior(s_b: torch.Tensor) -> torch.Tensor:
    """The SDR base layer taken literally into the output domain: sRGB-decoded, Rec.709 →
    Rec.2020, SDR white at 203 cd/m², PQ-encoded. f_b predicts the correction to it.

    Always computed in fp32, also under bf16/fp16 autocast: PQ's outer power (m2 ≈ 78.8)
    multiplies a bf16 rounding error of the matrix product by ~80 (40 % in luminance)."""
    with torch.autocast(device_type=s_b.device.type, enabled=False):
        lin = srgb_to_linear(s_b.float())
        m = torch.tensor(_M709_2020, dtype=torch.float32, device=s_b.device)
        lin2020 = torch.einsum("ij,njhw->nihw", m, lin)
        y = (lin2020 * (REFERENCE_WHITE / 10000.0)).clamp(min=0.0) ** _PQ_M1
        return ((_PQ_C1 + _PQ_C2 * y) / (1 + _PQ_C3 * y)) ** _PQ_M2


class HybridNet(nn.Module):
    """f_b, f_d and f_r; forward(S_b, S_d, M as 9 channels) → Ĥ (PQ, Rec.2020)."""

    stride = 16

    def __init__(self, base_width: int = 64, detail_width: int = 64, refine_width: int = 32):
        super().__init__()
        self.base = PlainUNet(3, 3, base_width, depth=4)
        self.detail = DetailNet(detail_width)
        r = refine_width
        self.refine = nn.Sequential(
            nn.Conv2d(6, r, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(r, r, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(r, 3, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s_b, s_d, mask = x[:, 0:3], x[:, 3:6], x[:, 6:9]
        h_b = base_prior(s_b) + self.base(s_b)
        h_d = self.detail(s_d, 1.0 - mask)
        return h_b + self.refine(torch.cat([h_b, h_d], 1))

    def parts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(Ĥ_b, Ĥ_d, Ĥ) for training the three stages."""
        s_b, s_d, mask = x[:, 0:3], x[:, 3:6], x[:, 6:9]
        h_b = base_prior(s_b) + self.base(s_b)
        h_d = self.detail(s_d, 1.0 - mask)
        return h_b, h_d, h_b + self.refine(torch.cat([h_b, h_d], 1))
