"""Model weights: safetensors files (never pickles) with metadata, listed with their
sha256 in ``manifest.json`` beside them, verified on every load.

Folder: ``$HDR_STUDIO_MODELS`` if set, else the package's own ``hdr_studio/resources/models``
(package data: it travels inside a wheel and an installed copy finds it the same way).
Metadata keys (strings, as safetensors requires): model, version, config (JSON),
input_domain, output_domain, training_data, steps, and any others the trainer adds.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hdr_studio.core.digest import file_sha256 as sha256
from hdr_studio.core.errors import InputError
from hdr_studio.core.resources import package_resource

MANIFEST = "manifest.json"


class WeightsError(InputError):
    """Missing, unlisted, corrupt or tampered weights."""


def models_dir() -> Path:
    """The weights folder: ``$HDR_STUDIO_MODELS``, else the shipped one inside the package."""
    env = os.environ.get("HDR_STUDIO_MODELS")
    if env:
        return Path(env)
    return package_resource("models")


def read_manifest(folder: Path | None = None) -> dict[str, Any]:
    folder = folder or models_dir()
    path = folder / MANIFEST
    if not path.exists():
        return {"models": {}}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise WeightsError(f"{path}: unreadable model manifest ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise WeightsError(f"{path}: malformed model manifest")
    return data


def _write_manifest(folder: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".json", dir=folder)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; readable by all, as the weights it lists
    os.replace(tmp, folder / MANIFEST)


def save_weights(
    state_dict: dict,
    name: str,
    metadata: dict[str, str],
    folder: Path | None = None,
    default: bool = False,
) -> Path:
    """Write ``name.safetensors`` with ``metadata`` and record it in the manifest."""
    from safetensors.torch import save_file

    folder = folder or models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    meta = {str(k): str(v) for k, v in metadata.items()}
    meta.setdefault("model", name)
    path = folder / f"{name}.safetensors"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".safetensors", dir=folder)
    os.close(fd)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()}
    save_file(tensors, tmp, metadata=meta)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; shipped weights are readable by all
    os.replace(tmp, path)
    manifest = read_manifest(folder)
    manifest["models"][name] = {
        "file": path.name,
        "sha256": sha256(path),
        "bytes": path.stat().st_size,
        "default": bool(default),
        "metadata": meta,
    }
    if default:
        _flag_default(manifest, name)
    _write_manifest(folder, manifest)
    return path


def _flag_default(manifest: dict[str, Any], name: str | None) -> None:
    for other, entry in manifest["models"].items():
        entry["default"] = other == name


def set_default(name: str | None, folder: Path | None = None) -> None:
    """Flag ``name`` as the default model in the manifest (``None`` clears every flag)."""
    folder = folder or models_dir()
    manifest = read_manifest(folder)
    if name is not None and name not in manifest["models"]:
        raise WeightsError(f"model '{name}' has no weights in {folder}")
    _flag_default(manifest, name)
    _write_manifest(folder, manifest)


def weights_entry(name: str, folder: Path | None = None) -> dict[str, Any] | None:
    """The manifest entry of ``name`` if its file exists, else None (unavailable)."""
    folder = folder or models_dir()
    entry = read_manifest(folder)["models"].get(name)
    if entry is None or not (folder / entry["file"]).is_file():
        return None
    return entry


def load_weights(name: str, folder: Path | None = None) -> tuple[dict, dict[str, str]]:
    """(state dict, metadata) of ``name``, after checking the file's sha256."""
    from safetensors import safe_open

    folder = folder or models_dir()
    entry = read_manifest(folder)["models"].get(name)
    if entry is None:
        raise WeightsError(f"model '{name}' has no weights in {folder} (not trained/shipped)")
    path = folder / entry["file"]
    if not path.is_file():
        raise WeightsError(f"model '{name}': weights file {path} is missing")
    digest = sha256(path)
    if digest != entry.get("sha256"):
        raise WeightsError(
            f"model '{name}': {path.name} does not match its manifest checksum "
            "(corrupt or tampered file)"
        )
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = dict(fh.metadata() or {})
            state = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 (safe_open API)
    except Exception as exc:
        raise WeightsError(f"model '{name}': cannot read {path.name} ({exc})") from None
    return state, meta
