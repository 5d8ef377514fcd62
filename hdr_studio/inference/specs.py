"""The four seed networks registered by name, with their input/output conversions."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from torch import nn

from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.inference.registry import RAW, Calibration, ModelResult, ModelSpec, register

#: Region inradius (pixels) up to which the full-size fill is kept, and from which the
#: coarse-scale estimate replaces it (see :func:`keep_measured`); measured in
#: ``bench/coarse_pass.py``.
COARSE_REACH = (4.0, 12.0)


def keep_measured(
    image: Image,
    hdr: np.ndarray,
    gain: float = 1.0,
    coarse: np.ndarray | None = None,
    reach: tuple[float, float] | None = None,
) -> np.ndarray:
    """Santos' eq. 1 applied to any network's HDR estimate, H = β·lin(T) + (1 − β)·max(Ĥ,
    lin(T)), with β(T) the well-exposed weight of the code values: pixels away from the
    clipping level stay as measured, the network fills the clipped ones with a soft
    transition, and never below the clipped value (a clipped measurement is a lower bound).

    ``coarse``: the estimate of the coarse-scale pass (:func:`hdr_studio.inference.pipeline.
    coarse_estimate`). Regions narrower than ``reach[0]`` pixels keep the full-size fill,
    regions wider than ``reach[1]`` take the coarse one (a network fills only the border of
    an area wider than it sees: a bright ring around a flat core), blended in log between.
    Pixels clipped in all three channels keep the measured colour (no invented hue).
    ``gain`` scales the estimate's log ratio to the measurement (:class:`Calibration`)."""
    from hdr_studio.core.clipping import santos_mask
    from hdr_studio.core.regions import coarse_weight

    m = santos_mask(image.code)
    lin = image.linear
    lo = np.maximum(lin, np.float32(1e-6))
    # Work on the log ratio to the measurement, never below 0: a clipped measurement is a
    # lower bound, the fill never goes under the clipped value.
    r = np.log(np.maximum(hdr, lo) / lo)
    if coarse is not None:
        near, far = COARSE_REACH if reach is None else reach
        w = coarse_weight((m < 1).any(axis=2), near, far)[..., None]
        if w.any():
            r = r + w * (np.log(np.maximum(coarse, lo) / lo) - r)
    # Where every channel clipped, the measurement has no colour left and the small networks'
    # hue there is noise (rainbow fringes inside white clouds): such pixels keep the
    # measured colour and take the mean of the channels' log ratios (bench/QUALITY.md).
    a = 1 - m.max(axis=2, keepdims=True)
    if a.any():
        r = r + a * (r.mean(axis=2, keepdims=True) - r)
    filled = lo * np.exp(np.float32(gain) * r)
    return (m * lin + (1 - m) * filled).astype(np.float32)


def clipped_weights(code: np.ndarray, band: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (over, under): 1 at the clipping level 1 (resp. 0) of the code values,
    falling linearly to 0 within ``band`` of it — the pixels an SDR declipper may change."""
    c = np.asarray(code, np.float32)
    over = np.clip((c - np.float32(1 - band)) / np.float32(band), 0, 1)
    under = np.clip((np.float32(band) - c) / np.float32(band), 0, 1)
    return over, under


def keep_unclipped(code: np.ndarray, declipped: np.ndarray, cal: Calibration = RAW) -> np.ndarray:
    """SDR declipping output: the network's values where the input clipped, the input
    elsewhere (the networks are trained through the same composite), the change scaled by
    the calibrated gains."""
    over, under = clipped_weights(code)
    w = np.float32(cal.over) * over + np.float32(cal.under) * under
    return (code + w * (declipped - code)).astype(np.float32)


@register
class DeclipNetSpec(ModelSpec):
    name = "declipnet"
    kind = "sdr"
    title = "DeclipNet"
    paper = "Honig & Werman, Image declipping with deep networks, ICIP 2018"
    in_channels, out_channels = 3, 3
    input_domain = "sRGB code values [0,1], clipped"
    output_domain = "sRGB code values, declipped (SDR)"
    configs: ClassVar[dict[str, dict[str, Any]]] = {"full": {"width": 64}, "small": {"width": 16}}
    halo = 48

    def build(self, config: dict[str, Any]) -> nn.Module:
        from hdr_studio.inference.declipnet import DeclipNet

        return DeclipNet(**config)

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse: np.ndarray | None = None,
    ) -> ModelResult:
        return ModelResult(sdr=srgb_decode(keep_unclipped(image.code, out, cal)))


@register
class DRHTSpec(ModelSpec):
    name = "drht"
    kind = "hdr+sdr"
    title = "DRHT"
    paper = "Yang et al., Image correction via deep reciprocating HDR transformation, CVPR 2018"
    in_channels, out_channels = 3, 6
    input_domain = "sRGB code values [0,1]"
    output_domain = "(0.03·Y)^0.45 gamma-compressed HDR (Y linear, 1 = SDR white) + sRGB LDR"
    configs: ClassVar[dict[str, dict[str, Any]]] = {"full": {"width": 64}, "small": {"width": 8}}
    halo = 64

    def build(self, config: dict[str, Any]) -> nn.Module:
        from hdr_studio.inference.drht import DRHT

        return DRHT(**config)

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse: np.ndarray | None = None,
    ) -> ModelResult:
        from hdr_studio.inference.drht import ALPHA, GAMMA

        s = np.maximum(out[..., 0:3], 0)
        hdr = (s ** np.float32(1.0 / GAMMA) / np.float32(ALPHA)).astype(np.float32)
        sdr = srgb_decode(keep_unclipped(image.code, out[..., 3:6], cal))
        return ModelResult(hdr=keep_measured(image, hdr, cal.hdr, coarse), sdr=sdr)


@register
class MaskedSpec(ModelSpec):
    name = "masked"
    kind = "hdr"
    title = "Masked features"
    paper = (
        "Santos et al., Single image HDR reconstruction using a CNN with masked features "
        "and perceptual loss, SIGGRAPH 2020"
    )
    in_channels, out_channels = 3, 3
    input_domain = "sRGB code values [0,1]"
    output_domain = "log(1 + H), H linear HDR (1 = SDR white)"
    configs: ClassVar[dict[str, dict[str, Any]]] = {
        "full": {"width": 64, "depth": 5},
        "small": {"width": 8, "depth": 4},
    }
    halo = 64

    def build(self, config: dict[str, Any]) -> nn.Module:
        from hdr_studio.inference.masked import MaskedUNet

        return MaskedUNet(**config)

    def bytes_per_pixel(self, config: dict[str, Any]) -> int:
        return 4 * 24 * int(config["width"])

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse: np.ndarray | None = None,
    ) -> ModelResult:
        return ModelResult(hdr=keep_measured(image, np.exp(out) - 1, cal.hdr, coarse))


@register
class HybridSpec(ModelSpec):
    name = "hybrid"
    kind = "hdr"
    title = "Base/detail hybrid"
    paper = "Deep hybrid HDR reconstruction: WLS base/detail, partial conv + contextual attention"
    in_channels, out_channels = 9, 3
    input_domain = "WLS base S_b, detail S_d = S/S_b, 3-channel mask M (τ = 0.95) of sRGB code"
    output_domain = "PQ signal [0,1], Rec.2020, 203 cd/m² = SDR white"
    configs: ClassVar[dict[str, dict[str, Any]]] = {
        "full": {"base_width": 64, "detail_width": 64, "refine_width": 32},
        "small": {"base_width": 8, "detail_width": 8, "refine_width": 8},
    }
    halo = 96
    tau = 0.95

    def build(self, config: dict[str, Any]) -> nn.Module:
        from hdr_studio.inference.hybrid import HybridNet

        return HybridNet(**config)

    def prepare(self, image: Image) -> np.ndarray:
        from hdr_studio.core.clipping import hybrid_mask
        from hdr_studio.core.decompose import decompose

        base, detail = decompose(image.code)
        mask = hybrid_mask(base, self.tau)
        return np.ascontiguousarray(np.concatenate([base, detail, mask], axis=2))

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse: np.ndarray | None = None,
    ) -> ModelResult:
        from hdr_studio.core.gamut import convert_primaries
        from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, pq_decode

        lin2020 = pq_decode(np.clip(out, 0.0, 1.0)) / np.float32(REFERENCE_WHITE_NITS)
        hdr = convert_primaries(lin2020, "rec2020", image.primaries)
        return ModelResult(hdr=keep_measured(image, hdr, cal.hdr, coarse))
