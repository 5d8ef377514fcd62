"""Models by name: each registered :class:`ModelSpec` knows its paper, its configs, how to
build its network from a config dict, and how to turn an :class:`~hdr_studio.core.image.Image`
into its input tensor and its output back into linear pixels. The network itself always
maps one (B, C_in, H, W) tensor to one (B, C_out, H, W) tensor, so the tiled runner serves
all of them; anything global (the hybrid's WLS split) happens in ``prepare``, on the whole
image, before tiling.
"""

from __future__ import annotations

import json
from typing import Any

from torch import nn

from hdr_studio.core.errors import InputError
from hdr_studio.core.fill import RAW, Calibration
from hdr_studio.core.result import ModelResult
from hdr_studio.inference.model_spec import REGISTRY as _REGISTRY
from hdr_studio.inference.model_spec import ModelSpec, register

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


class UnknownModelError(InputError):
    pass


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
