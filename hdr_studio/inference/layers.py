"""Layers the seed networks are built from, each following its paper's equations.

* :class:`FeatureMaskedConv2d` — Santos et al., "Single image HDR reconstruction using a
  CNN with masked features and perceptual loss", SIGGRAPH 2020, §3.1: the input features
  are multiplied by a soft mask, Z_l = X_l ⊙ M_l, convolved, X_{l+1} = W ∗ Z_l + b, and
  the mask is carried to the next layer by the normalised absolute kernel,
  M_{l+1} = (|W| / (‖W‖₁ + ε)) ∗ M_l.
* :class:`PartialConv2d` — Liu et al., "Image inpainting for irregular holes using partial
  convolutions", ECCV 2018, eq. 1–2, with a multi-channel mask (the hybrid seed's 3-layer
  mask, eq. 3): x' = Wᵀ(X ⊙ M)·sum(1)/sum(M) + b where sum(M) > 0, else 0; the new mask is 1
  where sum(M) > 0. Here M = 1 marks valid pixels (the seed's M_c marks saturated ones:
  valid = 1 − M_c).
* :class:`ContextualAttention` — Yu et al., "Generative image inpainting with contextual
  attention", CVPR 2018, as the hybrid seed uses it: cosine similarity between 3×3 feature
  patches at hole positions and at unmasked positions, a scaled softmax over the matches,
  and the matched features pasted back into the hole. Matching is limited to a local
  window so that tiled inference equals whole-image inference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FeatureMaskedConv2d(nn.Module):
    """Convolution on mask-weighted features; returns (features, updated mask).

    ``mask`` has the input's shape (or one channel, broadcast); the returned mask has
    ``out_channels`` channels.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2
        )
        self.eps = eps

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The features alone, W ∗ (X ⊙ M) + b: for a last layer, whose mask nothing reads."""
        return self.conv(x * mask)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if mask.shape[1] == 1 and x.shape[1] != 1:
            mask = mask.expand(-1, x.shape[1], -1, -1)
        out = self.features(x, mask)
        w = self.conv.weight.abs()
        w = w / (w.sum(dim=(1, 2, 3), keepdim=True) + self.eps)
        new_mask = F.conv2d(
            mask, w.to(mask.dtype), stride=self.conv.stride, padding=self.conv.padding
        )
        return out, new_mask


class PartialConv2d(nn.Module):
    """Partial convolution with a multi-channel validity mask (1 = valid); returns
    (features, updated mask with ``out_channels`` identical channels)."""

    ones: torch.Tensor  # a buffer (registered in __init__)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            bias=bias,
        )
        self.register_buffer(
            "ones", torch.ones(1, in_channels, kernel_size, kernel_size), persistent=False
        )
        self.window = float(in_channels * kernel_size * kernel_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            valid = F.conv2d(  # type: ignore[call-overload]  (padding: the conv's own ints)
                mask, self.ones.to(mask.dtype), stride=self.conv.stride, padding=self.conv.padding
            )
            updated = (valid > 0).to(x.dtype)
            ratio = self.window / valid.clamp(min=1.0) * updated
        raw = F.conv2d(
            x * mask, self.conv.weight, None, stride=self.conv.stride, padding=self.conv.padding
        )
        out = raw * ratio
        if self.conv.bias is not None:
            out = (out + self.conv.bias.view(1, -1, 1, 1)) * updated
        return out, updated.expand(-1, out.shape[1], -1, -1)


def _box3(x: torch.Tensor) -> torch.Tensor:
    """3×3 box sum per channel, zero padded."""
    c = x.shape[1]
    k = torch.ones(c, 1, 3, 3, dtype=x.dtype, device=x.device)
    return F.conv2d(x, k, padding=1, groups=c)


class ContextualAttention(nn.Module):
    """Fill hole positions of a feature map from the most similar unmasked 3×3 patches
    within ``window`` feature positions (cosine similarity, softmax with ``scale``)."""

    def __init__(self, window: int = 8, scale: float = 10.0) -> None:
        super().__init__()
        self.window = window
        self.scale = scale

    def forward(self, feat: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        """``feat`` (B, C, H, W); ``hole`` (B, 1, H, W) in [0, 1], 1 = to fill."""
        b, _c, h, w = feat.shape
        k = self.window
        f = feat
        norm_f = torch.sqrt(_box3((f * f).sum(1, keepdim=True)) + 1e-8)
        pad = (k, k, k, k)
        fp = F.pad(f, pad)
        normp = F.pad(norm_f, pad)
        validp = F.pad((hole < 0.5).to(f.dtype), pad)  # background positions
        best = torch.full((b, 1, h, w), -torch.inf, dtype=f.dtype, device=f.device)
        sims = []
        for dy in range(2 * k + 1):
            for dx in range(2 * k + 1):
                g = fp[:, :, dy : dy + h, dx : dx + w]
                dot = _box3((f * g).sum(1, keepdim=True))
                # Clamped: padded positions have zero norm, and a NaN there would leak into
                # the gradient through torch.where even though the value is masked out.
                sim = dot / (norm_f * normp[:, :, dy : dy + h, dx : dx + w]).clamp(min=1e-6)
                ok = validp[:, :, dy : dy + h, dx : dx + w] > 0
                sim = torch.where(ok, sim * self.scale, torch.full_like(sim, -torch.inf))
                sims.append(sim)
                best = torch.maximum(best, sim)
        # Softmax over the window, accumulated in one pass to keep memory at O(C·H·W).
        has_match = torch.isfinite(best)
        best = torch.where(has_match, best, torch.zeros_like(best))
        num = torch.zeros_like(f)
        den = torch.zeros_like(best)
        i = 0
        for dy in range(2 * k + 1):
            for dx in range(2 * k + 1):
                e = torch.exp(sims[i] - best)
                num = num + e * fp[:, :, dy : dy + h, dx : dx + w]
                den = den + e
                i += 1
        pasted = num / den.clamp(min=1e-12)
        fill = hole * has_match.to(f.dtype)
        return f * (1 - fill) + pasted * fill
