"""DeclipNet — Honig & Werman, "Image declipping with deep networks" (ICIP 2018).

Generator (§3.1.2): an hourglass autoencoder of 14 convolution and transposed-convolution
layers, all 3×3, ELU activations and batch normalisation on every layer but the last,
strided convolutions down and fractionally strided (transposed) convolutions up, ResNet-like
skip connections between mirrored layers, and a residual output: the network predicts
I^u − I^c, added to the clipped input I^c (§3.1: residual networks "learned faster and
attained better results"). SDR in, SDR out (code values); repairs over- and under-exposure.

Discriminator (§3.1.1): DC-GAN-like, 9 convolution layers with strided convolutions, batch
normalisation and ELU; the score map is averaged to one logit per image so it takes any
size. Used for training only.
"""

from __future__ import annotations

import torch
from torch import nn

from hdr_studio.inference.blocks import conv_bn_elu, deconv_bn_elu


class DeclipNet(nn.Module):
    """Generator. ``width`` n: feature maps n, 2n, 4n at strides 1, 2, 4, 8."""

    stride = 8

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        n = width
        # Encoder: 7 convolutions, three of them strided.
        self.e1 = conv_bn_elu(3, n)
        self.e2 = conv_bn_elu(n, n, stride=2)
        self.e3 = conv_bn_elu(n, 2 * n)
        self.e4 = conv_bn_elu(2 * n, 2 * n, stride=2)
        self.e5 = conv_bn_elu(2 * n, 4 * n)
        self.e6 = conv_bn_elu(4 * n, 4 * n, stride=2)
        self.e7 = conv_bn_elu(4 * n, 4 * n)
        # Decoder: 7 layers, three transposed (fractionally strided).
        self.d1 = conv_bn_elu(4 * n, 4 * n)
        self.d2 = deconv_bn_elu(4 * n, 4 * n)
        self.d3 = conv_bn_elu(4 * n, 2 * n)
        self.d4 = deconv_bn_elu(2 * n, 2 * n)
        self.d5 = conv_bn_elu(2 * n, n)
        self.d6 = deconv_bn_elu(n, n)
        self.d7 = nn.Conv2d(n, 3, 3, padding=1)  # last layer: linear, predicts the residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a1 = self.e1(x)
        a3 = self.e3(self.e2(a1))
        a5 = self.e5(self.e4(a3))
        a7 = self.e7(self.e6(a5))
        y = self.d1(a7) + a7
        y = self.d2(y) + a5
        y = self.d4(self.d3(y)) + a3
        y = self.d6(self.d5(y)) + a1
        return x + self.d7(y)


class DeclipDiscriminator(nn.Module):
    """9 convolution layers (DC-GAN style), one logit per image."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        n = width
        chans = [(3, n, 1), (n, n, 2), (n, 2 * n, 1), (2 * n, 2 * n, 2), (2 * n, 4 * n, 1)]
        chans += [(4 * n, 4 * n, 2), (4 * n, 8 * n, 1), (8 * n, 8 * n, 2)]
        self.body = nn.Sequential(*[conv_bn_elu(a, b, stride=s) for a, b, s in chans])
        self.score = nn.Conv2d(8 * n, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.body(x)).mean(dim=(1, 2, 3))
