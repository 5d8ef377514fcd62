"""DRHT — Yang et al., "Image correction via deep reciprocating HDR transformation"
(CVPR 2018).

Two encoder–decoder networks of the same architecture (§3.2–3.4): 64 feature maps, 9×9 and
5×5 kernels for the first two convolution layers and their mirrored deconvolution layers,
3×3 elsewhere; batch normalisation and ELU on every layer; skip connections from each
encoder layer to its decoder counterpart; and, for f1, a skip from the input to the output
(residual learning), taken through the target domain: Ŝ = (α·lin(I))^γ + f1(I).

* f1, HDR estimation: LDR I → Ŝ, trained against the gamma-compressed HDR target
  (α·Y)^γ with α = 0.03, γ = 0.45 (eq. 2);
* Ŝ_full = Ŝ^(1/γ) / α (the inverse of that compression) is the HDR estimate;
* f2, LDR correction: log(Ŝ_full + δ), δ = 1/255 → the corrected LDR image Î_ldr (eq. 3);
  same architecture without the input-to-output skip (its input is log HDR, its output LDR
  code values, so a residual would have to undo the logarithm first).

The module returns both, concatenated: channels 0–2 Ŝ, channels 3–5 Î_ldr.
"""

from __future__ import annotations

import torch
from torch import nn

from hdr_studio.inference.blocks import conv_bn_elu, deconv_bn_elu, srgb_to_linear

ALPHA = 0.03
GAMMA = 0.45
DELTA = 1.0 / 255.0


def compress(hdr: torch.Tensor) -> torch.Tensor:
    """The DRHT training target for f1: (α·Y)^γ."""
    return (ALPHA * hdr.clamp(min=0)) ** GAMMA


def expand(s: torch.Tensor) -> torch.Tensor:
    """Ŝ_full = Ŝ^(1/γ) / α, the inverse of :func:`compress`."""
    return s.clamp(min=0) ** (1.0 / GAMMA) / ALPHA


class EncoderDecoder(nn.Module):
    """The DRHT encoder–decoder with per-level skips and an input-to-output skip."""

    stride = 16

    def __init__(self, width: int = 64, residual: bool = True) -> None:
        super().__init__()
        w = width
        self.residual = residual
        self.e1 = conv_bn_elu(3, w, 9)
        self.e2 = conv_bn_elu(w, w, 5, stride=2)
        self.e3 = conv_bn_elu(w, 2 * w, 3, stride=2)
        self.e4 = conv_bn_elu(2 * w, 4 * w, 3, stride=2)
        self.e5 = conv_bn_elu(4 * w, 4 * w, 3, stride=2)
        self.d5 = deconv_bn_elu(4 * w, 4 * w, 3)
        self.d4 = deconv_bn_elu(4 * w, 2 * w, 3)
        self.d3 = deconv_bn_elu(2 * w, w, 3)
        self.d2 = deconv_bn_elu(w, w, 5)
        self.d1 = nn.Sequential(nn.Conv2d(w, 3, 9, padding=4), nn.BatchNorm2d(3), nn.ELU())
        self.out = nn.Conv2d(3, 3, 1)  # linear read-out of the last BN+ELU layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a1 = self.e1(x)
        a2 = self.e2(a1)
        a3 = self.e3(a2)
        a4 = self.e4(a3)
        a5 = self.e5(a4)
        y = self.d5(a5) + a4
        y = self.d4(y) + a3
        y = self.d3(y) + a2
        y = self.d2(y) + a1
        out = self.out(self.d1(y))
        return x + out if self.residual else out


class DRHT(nn.Module):
    """f1 (HDR estimation) and f2 (LDR correction) in sequence."""

    stride = 16

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        # f1's skip carries the input into the target domain, compress(lin(I)), so the
        # network "only needs to predict the difference between the input and output"
        # (§3.2) — with our HDR scale (1 = SDR white) a plain x + f(x) skip would not.
        self.f1 = EncoderDecoder(width, residual=False)
        # f2 maps log HDR to LDR code values: different domains, so no input skip.
        self.f2 = EncoderDecoder(width, residual=False)

    def estimate(self, ldr: torch.Tensor) -> torch.Tensor:
        """f1: Ŝ = compress(lin(I)) + f1(I)."""
        return compress(srgb_to_linear(ldr)) + self.f1(ldr)

    def forward(self, ldr: torch.Tensor) -> torch.Tensor:
        s = self.estimate(ldr)
        corrected = self.f2(torch.log(expand(s) + DELTA))
        return torch.cat([s, corrected], dim=1)
