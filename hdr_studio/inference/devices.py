"""Device choice: ``auto`` (CUDA → MPS → CPU), ``cpu``, ``cuda``/``cuda:N``, ``mps``;
autocast precision (bf16/fp16 on GPU, fp32 on CPU); CPU threads."""

from __future__ import annotations

import functools
import os

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


@functools.cache
def tune_cpu_allocator() -> None:
    """Keep freed tensor memory in glibc's heap instead of returning it to the kernel.

    Tiled CPU inference allocates and frees the same few activation sizes for every tile;
    by default glibc serves them with fresh mmaps that page-fault in each time. Raising the
    mmap threshold to its maximum (32 MiB) and the trim threshold to 512 MiB removed ~90 % of
    the page faults and 28 % of the wall time (bench/RESULTS.md). No-op off glibc."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 512 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def configure_cpu_threads() -> None:
    """Use every core the process may run on for intra-op parallelism."""
    tune_cpu_allocator()
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


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
