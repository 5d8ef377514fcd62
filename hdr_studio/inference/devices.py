"""Device choice: ``auto`` (CUDA → MPS → CPU), ``cpu``, ``cuda``/``cuda:N``, ``mps``;
autocast precision (bf16/fp16 on GPU, fp32 on CPU). Threads are a per-job setting
(:func:`hdr_studio.api.threads.compute_threads`), never set here."""

from __future__ import annotations

import torch

from hdr_studio.core.errors import InputError


class DeviceError(InputError):
    """A requested device does not exist here."""


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for ``name``; raises :class:`DeviceError` if it is not available."""
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"device '{name}' requested but no CUDA GPU is available")
        dev = torch.device(name)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(f"device '{name}': only {torch.cuda.device_count()} CUDA GPU(s)")
        return dev
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError("device 'mps' requested but Metal is not available")
        return torch.device("mps")
    raise DeviceError(f"unknown device '{name}' (use auto, cpu, cuda, cuda:N or mps)")


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """Reduced precision for GPUs (bf16 where supported, else fp16); None = fp32 (CPU)."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return None


def describe(device: torch.device) -> str:
    """Human-readable device name (GPU model or CPU with thread count)."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA)"
    if device.type == "mps":
        return "Apple GPU (Metal)"
    return f"CPU ({torch.get_num_threads()} threads)"


def free_memory_bytes(device: torch.device) -> int:
    """Free memory on ``device``: the GPU's, or available RAM for the CPU."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 1024**3
