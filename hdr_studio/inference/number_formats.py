"""The number formats the networks compute in, by name (torch-free, so the request's parameter
table and ``--help`` can offer them without loading torch): ``auto`` picks bf16 on CPUs that
compute it natively (AMX, AVX-512 BF16) and on GPUs, else fp32
(:func:`hdr_studio.inference.devices.resolve_precision`)."""

from __future__ import annotations

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
