"""Small building blocks shared by the networks."""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_elu(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    """Conv k×k → batch norm → ELU (DeclipNet, DRHT)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2), nn.BatchNorm2d(cout), nn.ELU()
    )


def deconv_bn_elu(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    """Fractionally strided (×2) transposed conv k×k → batch norm → ELU."""
    return nn.Sequential(
        nn.ConvTranspose2d(cin, cout, k, stride=2, padding=k // 2, output_padding=1),
        nn.BatchNorm2d(cout),
        nn.ELU(),
    )


def double_conv_relu(cin: int, cout: int) -> nn.Sequential:
    """Two 3×3 conv + ReLU (U-Net stage)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.ReLU(inplace=True),
    )


class PlainUNet(nn.Module):
    """U-Net with max-pooling and nearest upsampling, ReLU, skips by concatenation."""

    def __init__(self, cin: int, cout: int, width: int, depth: int) -> None:
        super().__init__()
        chans = [min(width * 2**i, width * 8) for i in range(depth + 1)]
        self.down = nn.ModuleList()
        c = cin
        for ch in chans[:-1]:
            self.down.append(double_conv_relu(c, ch))
            c = ch
        self.bottom = double_conv_relu(c, chans[-1])
        self.up = nn.ModuleList()
        c = chans[-1]
        for ch in reversed(chans[:-1]):
            self.up.append(double_conv_relu(c + ch, ch))
            c = ch
        self.head = nn.Conv2d(c, cout, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for block, skip in zip(self.up, reversed(skips), strict=True):
            x = nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")
            x = block(torch.cat([x, skip], dim=1))
        return self.head(x)


def srgb_to_linear(code: torch.Tensor) -> torch.Tensor:
    """sRGB decoding (IEC 61966-2-1) of code values clamped to [0, 1], in torch: the skip
    connections that carry an SDR input into a network's HDR output domain."""
    c = code.clamp(0.0, 1.0)
    return torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
