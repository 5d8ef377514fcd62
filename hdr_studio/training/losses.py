"""Loss terms of the four seeds (torch).

* :func:`ssim` — differentiable SSIM (Gaussian window 11, σ = 1.5; C1 = 0.01², C2 = 0.03²),
  the hybrid's structure loss is 1 − SSIM;
* :func:`masked_l1` — L1 over a soft mask, normalised by the mask's mass;
* :func:`gradient_l1` — L1 between image gradients: the documented fallback for the VGG
  perceptual/style terms when no VGG weights file is supplied (no download is possible);
* :class:`VGGFeatures` — VGG-16's convolutional part, loaded from a safetensors file given by
  path (torchvision's key names ``features.N.weight``), for perceptual and style losses;
* :func:`gan_bce` — the sigmoid cross-entropy DeclipNet's discriminator uses,
  max(X, 0) − X·z + log(1 + exp(−|X|));
* :func:`gradient_penalty` — WGAN-GP's penalty (λ = 10 applied by the caller).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


def _gauss(window: int, sigma: float, channels: int, device, dtype) -> torch.Tensor:
    x = torch.arange(window, device=device, dtype=dtype) - (window - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    k = (g[:, None] * g[None, :])[None, None]
    return k.expand(channels, 1, window, window).contiguous()


def ssim_map(
    a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0, window: int = 11
) -> torch.Tensor:
    """Per-pixel SSIM of NCHW tensors (valid region of the window)."""
    c = a.shape[1]
    k = _gauss(window, 1.5, c, a.device, a.dtype)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2

    def blur(x):
        return F.conv2d(x, k, groups=c)

    mu_a, mu_b = blur(a), blur(b)
    saa = blur(a * a) - mu_a**2
    sbb = blur(b * b) - mu_b**2
    sab = blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))


def ssim(a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    return ssim_map(a, b, data_range).mean()


def masked_l1(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    if mask is None:
        return (a - b).abs().mean()
    mask = mask.expand_as(a)
    return ((a - b).abs() * mask).sum() / mask.sum().clamp(min=1.0)


def chroma_l1(
    pred: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """L1 between the log chromaticities (each channel's log light minus the mean of the
    three) of linear (N, 3, H, W) images, over the pixels of ``mask`` (any channel): the
    hue and saturation error, blind to brightness — the cyan-for-blue error of partly
    clipped skies."""

    def chroma(x):
        lx = torch.log(x.clamp(min=0) + 1e-3)
        return lx - lx.mean(dim=1, keepdim=True)

    pixel = None if mask is None else mask.amax(dim=1, keepdim=True)
    return masked_l1(chroma(pred), chroma(truth), pixel)


def peak_l1(
    log_pred: torch.Tensor, log_truth: torch.Tensor, mask: torch.Tensor, share: float = 0.01
) -> torch.Tensor:
    """How bright the brightest parts of each sample's saturated area came back: per sample,
    |mean of the top ``share`` of log luminance (channel mean of the log) over the pixels of
    ``mask`` (N, C or 1, H, W; > 0.5 counts) in the prediction − the same in the truth|,
    averaged over the samples that have such pixels. The pixelwise L1 seeks the median of
    what a clipped pixel could be, and a lamp comes back as dim as a wall; this term asks for
    the right peak, wherever in the area the network puts it."""
    lp = log_pred.mean(dim=1).flatten(1)
    lt = log_truth.mean(dim=1).flatten(1)
    m = (mask.amax(dim=1) > 0.5).flatten(1)
    terms = []
    for i in range(lp.shape[0]):
        n = int(m[i].sum())
        if n < 4:
            continue
        k = max(4, math.ceil(share * n))
        top_p = lp[i][m[i]].topk(k).values.mean()
        top_t = lt[i][m[i]].topk(k).values.mean()
        terms.append((top_p - top_t).abs())
    if not terms:
        return log_pred.sum() * 0
    return torch.stack(terms).mean()


def gradient_l1(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """L1 between horizontal and vertical finite differences (optionally masked)."""

    def grads(x):
        return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]

    (ax, ay), (bx, by) = grads(a), grads(b)
    if mask is None:
        return (ax - bx).abs().mean() + (ay - by).abs().mean()
    mx, my = mask[..., :, 1:].expand_as(ax), mask[..., 1:, :].expand_as(ay)
    return masked_l1(ax, bx, mx) + masked_l1(ay, by, my)


# VGG-16 "features" layout: numbers are conv widths, "M" max-pooling (torchvision's indices).
_VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class VGGFeatures(nn.Module):
    """VGG-16 conv layers returning the activations after pool1, pool2 and pool3 (Santos'
    perceptual layers) — ImageNet normalisation applied inside."""

    mean: torch.Tensor  # buffers (register_buffer), (1, 3, 1, 1)
    std: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = 3
        for v in _VGG16:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c, int(v), 3, padding=1), nn.ReLU(inplace=False)]
                c = int(v)
        self.features = nn.Sequential(*layers)
        self.taps = (4, 9, 16)  # after pool1, pool2, pool3
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    @classmethod
    def from_file(cls, path: Path) -> VGGFeatures:
        from safetensors.torch import load_file

        if not Path(path).is_file():
            raise FileNotFoundError(f"VGG weights not found: {path}")
        state = load_file(str(path))
        net = cls()
        own = {k: v for k, v in state.items() if k.startswith("features.")}
        missing = set(net.state_dict()) - set(own) - {"mean", "std"}
        if missing:
            raise ValueError(
                f"{path} is not VGG-16 'features' weights (missing {sorted(missing)[:3]})"
            )
        net.load_state_dict({**own, "mean": net.mean, "std": net.std})
        for p in net.parameters():
            p.requires_grad_(False)
        return net.eval()

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = (x - self.mean) / self.std
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.taps:
                out.append(x)
            if i >= self.taps[-1]:
                break
        return out


def perceptual_style(
    vgg: VGGFeatures, a: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(perceptual, style) losses: L1 between VGG activations and between their Gram
    matrices (Santos §3.3), images given in a display-like [0, 1] domain."""
    fa, fb = vgg(a), vgg(b)
    perc = sum((x - y).abs().mean() for x, y in zip(fa, fb, strict=True))
    assert isinstance(perc, torch.Tensor)  # sum() starts at 0; the three taps make a tensor
    style = a.new_zeros(())
    for x, y in zip(fa, fb, strict=True):
        _n, c, h, w = x.shape
        gx = x.flatten(2) @ x.flatten(2).transpose(1, 2) / (c * h * w)
        gy = y.flatten(2) @ y.flatten(2).transpose(1, 2) / (c * h * w)
        style = style + (gx - gy).abs().mean()
    return perc, style


def gan_bce(logits: torch.Tensor, real: bool) -> torch.Tensor:
    z = 1.0 if real else 0.0
    return (logits.clamp(min=0) - logits * z + torch.log1p(torch.exp(-logits.abs()))).mean()


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: E[(‖∇D(x̂)‖₂ − 1)²] on random interpolates x̂ of real and fake."""
    eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    score = critic(x)
    (g,) = torch.autograd.grad(score.sum(), x, create_graph=True)
    return ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()


class Critic(nn.Module):
    """A small WGAN critic (no normalisation, as WGAN-GP requires): strided convs → score."""

    def __init__(self, cin: int = 3, width: int = 16) -> None:
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(cin, w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, 1, 3, 1, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).mean(dim=(1, 2, 3))
