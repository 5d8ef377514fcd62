"""``hdr-studio ensemble``: one weights file from several trained networks whose results are
averaged (:class:`~hdr_studio.inference.masked.MaskedEnsemble`).

Networks trained from separate starts (another seed, other data) err in different places;
the mean of their log-domain outputs is better than either on both validation splits where
the mean of their weights is useless (bench/QUALITY.md). The members must share the network's
config; each member's metadata is kept (``members``) for its model card, and the ensemble
starts uncalibrated (gain 1): run ``hdr-studio calibrate`` on it. A source that is an
ensemble already gives each of its members, so an ensemble grows by one network at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hdr_studio.core.errors import InputError

#: Networks whose spec builds an ensemble from ``config["members"]``.
ENSEMBLES = ("masked",)

#: Metadata a member keeps in the ensemble's ``members`` list (its card's training lines).
MEMBER_KEYS = (
    "training_config",
    "steps",
    "train_seconds",
    "hardware",
    "train_precision",
    "real_crops",
    "real_photos",
    "calibration",
    "fine_tuned_from",
    "batch_stream",
    "vgg",
)


def combine(name: str, sources: list[Path], out: Path) -> tuple[Path, int]:
    """Write ``out/NAME.safetensors`` (and its manifest entry) holding the networks ``name``
    of every folder in ``sources`` as one ensemble (an ensemble's members count one by one);
    returns the file and how many networks it holds.
    Raises InputError on a network that cannot be an ensemble, fewer than two members or
    members of different configs."""
    from hdr_studio.inference.weights import read_manifest, save_weights

    if name not in ENSEMBLES:
        raise InputError(f"'{name}' cannot be an ensemble (networks that can: {ENSEMBLES})")
    state: dict[str, Any] = {}
    members: list[dict[str, str]] = []
    config: dict[str, Any] | None = None
    for folder in sources:
        for member_state, member_meta, cfg in _networks(name, folder):
            if config is not None and cfg != config:
                raise InputError(f"{folder}: config {cfg} differs from the first member's {config}")
            config = cfg
            k = len(members)
            state.update({f"members.{k}.{key}": t for key, t in member_state.items()})
            members.append(member_meta)
    if len(members) < 2:
        raise InputError("an ensemble needs two members or more")
    assert config is not None
    first = members[0]
    keep_default = (
        read_manifest(out)["models"].get(name, {}).get("default", False)
        if (out / "manifest.json").is_file()
        else False
    )
    meta = {
        "model": name,
        "config": json.dumps({**config, "members": len(members)}, sort_keys=True),
        "size": "small",
        "parameters": str(sum(t.numel() for t in state.values())),
        "steps": str(sum(int(m.get("steps", 0)) for m in members)),
        "train_seconds": str(sum(int(m.get("train_seconds", 0)) for m in members)),
        "hardware": first.get("hardware", "?"),
        "training_config": first.get("training_config", "{}"),
        "vgg": "no (fallback loss)",
        "members": json.dumps(members, sort_keys=True),
        "calibration": json.dumps({"hdr": 1.0, "over": 1.0, "under": 1.0}),
    }
    return save_weights(state, name, meta, out, default=keep_default), len(members)


def _networks(name: str, folder: Path) -> list[tuple[dict[str, Any], dict[str, str], dict]]:
    """(weights, metadata kept for the card, config without ``members``) of each network in
    ``folder``: one for a network trained alone, each member for an ensemble, so that an
    ensemble grows by combining it with a new network."""
    from hdr_studio.inference.weights import load_weights

    state, meta = load_weights(name, folder)
    cfg = json.loads(meta.get("config", "{}"))
    count = int(cfg.pop("members", 1))
    if count <= 1:
        return [(state, {key: meta[key] for key in MEMBER_KEYS if key in meta}, cfg)]
    kept = json.loads(meta.get("members", "[]"))
    if len(kept) != count:
        raise InputError(f"{folder}: '{name}' holds {count} networks but {len(kept)} records")
    return [
        (
            {
                key[len(f"members.{k}.") :]: t
                for key, t in state.items()
                if key.startswith(f"members.{k}.")
            },
            kept[k],
            cfg,
        )
        for k in range(count)
    ]
