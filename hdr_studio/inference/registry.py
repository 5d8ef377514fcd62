"""Models by name: each registered :class:`ModelSpec` knows its paper, its configs, how to
build its network from a config dict, and how to turn an :class:`~hdr_studio.core.image.Image`
into its input tensor and its output back into linear pixels. The network itself always
maps one (B, C_in, H, W) tensor to one (B, C_out, H, W) tensor, so the tiled runner serves
all of them; anything global (the hybrid's WLS split) happens in ``prepare``, on the whole
image, before tiling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from torch import nn

from hdr_studio.core.errors import InputError
from hdr_studio.core.fill import RAW, Calibration
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import ProgressFn
from hdr_studio.core.result import MethodKind, ModelResult

__all__ = [
    "RAW",
    "Calibration",
    "ModelResult",
    "ModelSpec",
    "all_specs",
    "build_model",
    "get_spec",
    "register",
]

_REGISTRY: dict[str, ModelSpec] = {}


class UnknownModelError(InputError):
    pass


@dataclass
class ModelSpec:
    name: ClassVar[str]
    kind: ClassVar[MethodKind]
    title: ClassVar[str]
    paper: ClassVar[str]
    in_channels: ClassVar[int]
    out_channels: ClassVar[int]
    input_domain: ClassVar[str]
    output_domain: ClassVar[str]
    #: Named configurations: "full" is the paper's size, "small" the CPU variant we ship.
    configs: ClassVar[dict[str, dict[str, Any]]]
    #: Tile overlap (pixels) that makes tiled inference match a whole-image run.
    halo: ClassVar[int] = 64
    options: dict[str, Any] = field(default_factory=dict)

    def build(self, config: dict[str, Any]) -> nn.Module:
        raise NotImplementedError

    def stride(self, config: dict[str, Any]) -> int:
        return int(self.build(config).stride)

    def bytes_per_pixel(self, config: dict[str, Any]) -> int:
        """Rough fp32 activation memory per input pixel, for choosing tile sizes."""
        return 4 * 12 * int(max(v for k, v in config.items() if "width" in k))

    def prepare(self, image: Image) -> np.ndarray:
        """The network input for ``image``: (H, W, in_channels) float32."""
        return np.ascontiguousarray(image.code)

    def needed(self, image: Image) -> np.ndarray | None:
        """(H, W) bool: the pixels whose network output :meth:`finish` reads (the runner
        skips tiles with none of them); ``None``: all of them."""
        return None

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        """The model's result from the network output ``out``, with the gains ``cal``; HDR
        models take ``coarse_ratio`` (the coarse-scale pass's log ratio, full size) in wide
        clipped regions (:func:`hdr_studio.core.fill.keep_measured`), and report its steps
        to ``progress`` (fractions of this step)."""
        raise NotImplementedError


def register(cls: type[ModelSpec]) -> type[ModelSpec]:
    _REGISTRY[cls.name] = cls()
    return cls


def get_spec(name: str) -> ModelSpec:
    _load_builtin()
    if name not in _REGISTRY:
        raise UnknownModelError(f"unknown model '{name}' (models: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name]


def all_specs() -> list[ModelSpec]:
    _load_builtin()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def build_model(name: str, config: dict[str, Any] | str = "small") -> nn.Module:
    """Build ``name``'s network from a config dict or the name of one of its configs."""
    spec = get_spec(name)
    cfg = spec.configs[config] if isinstance(config, str) else config
    return spec.build(dict(cfg))


def config_from_metadata(spec: ModelSpec, meta: dict[str, str]) -> dict[str, Any]:
    if "config" in meta:
        return json.loads(meta["config"])
    return dict(spec.configs["small"])


def _load_builtin() -> None:
    if _REGISTRY:
        return
    from hdr_studio.inference import specs  # noqa: F401  (registers the four networks)
