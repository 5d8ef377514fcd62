"""The four seed networks registered by name, with their input/output conversions."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from torch import nn

from hdr_studio.core.fill import (
    FILL_SMOOTH,
    RAW,
    Calibration,
    LogRatio,
    keep_measured,
    keep_unclipped,
    log_ratio,
    near_clip,
    sdr_changes,
)
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import ProgressFn
from hdr_studio.core.result import MethodKind, ModelResult
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.inference.model_spec import ModelSpec, register

#: The masked network's working size (pixels), see :attr:`ModelSpec.work_pixels`.
WORK_PIXELS = 250_000  # bench/RESULTS.md, "A smaller working size"


@register
class DeclipNetSpec(ModelSpec):
    name = "declipnet"
    kind = MethodKind.SDR
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

    def needed(self, image: Image) -> np.ndarray | None:
        return sdr_changes(image.code)

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        return ModelResult(sdr=srgb_decode(keep_unclipped(image.code, out, cal)))


@register
class DRHTSpec(ModelSpec):
    name = "drht"
    kind = MethodKind.HDR_SDR
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

    def needed(self, image: Image) -> np.ndarray | None:
        return near_clip(image.code) | sdr_changes(image.code)

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        from hdr_studio.inference.drht import ALPHA, GAMMA

        def decode(s: np.ndarray) -> np.ndarray:
            s = np.maximum(s, 0)
            return (s ** np.float32(1.0 / GAMMA) / np.float32(ALPHA)).astype(np.float32)

        sdr = srgb_decode(keep_unclipped(image.code, out[..., 3:6], cal))
        hdr = keep_measured(
            image, out[..., 0:3], cal.hdr, coarse_ratio, decode=decode, progress=progress
        )
        return ModelResult(hdr=hdr, sdr=sdr)


@register
class MaskedSpec(ModelSpec):
    name = "masked"
    kind = MethodKind.HDR
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
    #: 12 MP photos are filled at 0.25 MP (0.144 of the side): on real photographs brought
    #: up to 1024×768 the three-network ensemble's fill at 0.144 of the side scored as at 0.2
    #: (20.23 dB in; ΔE fully clipped 63.83 against 63.73; the same brightness), on renders
    #: 0.01 dB below (bench/QUALITY.md, "Filling at a working size"; bench/RESULTS.md,
    #: "A smaller working size").
    work_pixels = WORK_PIXELS

    def build(self, config: dict[str, Any]) -> nn.Module:
        from hdr_studio.inference.masked import MaskedEnsemble, MaskedUNet

        config = dict(config)
        members = int(config.pop("members", 1))
        if members > 1:  # results of several networks averaged (MaskedEnsemble)
            return MaskedEnsemble(members, **config)
        return MaskedUNet(**config)

    def needed(self, image: Image) -> np.ndarray | None:
        return near_clip(image.code)

    def bytes_per_pixel(self, config: dict[str, Any]) -> int:
        return 4 * 24 * int(config["width"])

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        return self._fill(out, image, cal, coarse_ratio, progress, decode=_decode_log1p)

    def estimate_ratio(self, out: np.ndarray, image: Image) -> np.ndarray:
        return log_ratio(_decode_log1p(out), image.linear)

    def finish_ratio(
        self,
        ratio: np.ndarray | LogRatio,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        return self._fill(ratio, image, cal, coarse_ratio, progress, is_ratio=True)

    @staticmethod
    def _fill(est, image, cal, coarse_ratio, progress, **given) -> ModelResult:
        """The smoothed fill of :func:`keep_measured` from the network's output
        (``decode``) or from its log ratio (``is_ratio``)."""
        return ModelResult(
            hdr=keep_measured(
                image, est, cal.hdr, coarse_ratio, progress=progress, smooth=FILL_SMOOTH, **given
            )
        )


def _decode_log1p(out: np.ndarray) -> np.ndarray:
    """The masked network's output log(1 + H) as linear H (capped as in training)."""
    from hdr_studio.inference.masked import LOG_CAP

    return np.exp(np.minimum(out, LOG_CAP)) - 1


@register
class HybridSpec(ModelSpec):
    name = "hybrid"
    kind = MethodKind.HDR
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

    def needed(self, image: Image) -> np.ndarray | None:
        return near_clip(image.code)

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
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        from hdr_studio.core.gamut import convert_primaries
        from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, pq_decode

        lin2020 = pq_decode(np.clip(out, 0.0, 1.0)) / np.float32(REFERENCE_WHITE_NITS)
        hdr = convert_primaries(lin2020, "rec2020", image.primaries)
        return ModelResult(hdr=keep_measured(image, hdr, cal.hdr, coarse_ratio, progress=progress))
