"""Device choice: ``auto`` (CUDA → MPS → CPU), ``cpu``, ``cuda``/``cuda:N``, ``mps``; the
number format the networks compute in (``--precision auto|fp32|bf16|fp16``): bf16 on CPUs
that compute it natively (AMX, AVX-512 BF16), fp32 on other CPUs, bf16/fp16 on GPUs. Threads
are a per-job setting (:func:`hdr_studio.api.threads.compute_threads`), never set here."""

from __future__ import annotations

import functools
import sys

import torch

from hdr_studio.core.errors import InputError
from hdr_studio.inference.number_formats import PRECISIONS


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


_NAMES = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The processor's feature flags (Linux ``/proc/cpuinfo``; empty elsewhere)."""
    if not sys.platform.startswith("linux"):
        return frozenset()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_bf16() -> str | None:
    """How this CPU computes bf16 natively: ``"AMX"`` (Intel Sapphire Rapids and later),
    ``"AVX-512 BF16"`` (Intel Cooper Lake, AMD Zen 4 and later), or None (emulated: slower
    than fp32, so never chosen automatically)."""
    flags = cpu_flags()
    if "amx_bf16" in flags and "amx_tile" in flags:
        return "AMX"
    if "avx512_bf16" in flags:
        return "AVX-512 BF16"
    return None


def resolve_precision(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device`` (None: fp32, no autocast)."""
    p = (precision or "auto").lower()
    if p not in PRECISIONS:
        raise DeviceError(f"unknown precision '{precision}' (use {', '.join(PRECISIONS)})")
    if p == "fp32":
        return None
    if device.type == "cuda":
        if p == "auto":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        if p == "bf16" and not torch.cuda.is_bf16_supported():
            raise DeviceError("this GPU does not compute bf16: use --precision fp16 or fp32")
        return torch.bfloat16 if p == "bf16" else torch.float16
    if device.type == "mps":
        return torch.float16 if p in ("auto", "fp16") else torch.bfloat16
    if p == "fp16":
        raise DeviceError("fp16 is for GPUs: on the CPU use --precision bf16 or fp32")
    if p == "auto":
        return torch.bfloat16 if cpu_bf16() else None
    return torch.bfloat16


def precision_name(dtype: torch.dtype | None) -> str:
    return _NAMES[dtype]


def describe(device: torch.device, precision: str = "auto") -> str:
    """What runs the networks, in words: "CPU (2 threads), bf16 (AVX-512 BF16)",
    "NVIDIA H200 (CUDA), bf16"."""
    try:
        dtype = resolve_precision(device, precision)
    except DeviceError:
        dtype = None
    name = precision_name(dtype)
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA), {name}"
    if device.type == "mps":
        return f"Apple GPU (Metal), {name}"
    how = ""
    if dtype is torch.bfloat16:
        how = f" ({cpu_bf16() or 'emulated'})"
    return f"CPU ({torch.get_num_threads()} threads), {name}{how}"


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
