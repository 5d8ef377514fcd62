"""The CPU fast path: channels-last networks, bf16 where the processor computes it natively,
fp32 elsewhere or on request; bf16 results stay close to fp32 and are deterministic."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hdr_studio.api.engine import run_method
from hdr_studio.core.reader import read_image
from hdr_studio.inference import devices
from hdr_studio.inference.devices import DeviceError, describe, resolve_precision
from tests.helpers import SAMPLES

CPU = torch.device("cpu")


@pytest.fixture
def flags(monkeypatch):
    """Stand-in CPU feature flags (the processor itself cannot be swapped in a test)."""

    def use(*names):
        monkeypatch.setattr(devices, "cpu_flags", lambda: frozenset(names))

    return use


def test_auto_picks_bf16_only_where_the_cpu_computes_it(flags):
    flags("avx2", "fma")
    assert devices.cpu_bf16() is None and resolve_precision(CPU) is None
    assert describe(CPU).endswith(", fp32")
    flags("avx512f", "avx512_bf16")
    assert devices.cpu_bf16() == "AVX-512 BF16" and resolve_precision(CPU) is torch.bfloat16
    assert describe(CPU).endswith(", bf16 (AVX-512 BF16)")
    flags("avx512_bf16", "amx_bf16", "amx_tile")
    assert devices.cpu_bf16() == "AMX" and describe(CPU).endswith("bf16 (AMX)")
    assert resolve_precision(CPU, "fp32") is None  # the user forces fp32
    assert describe(CPU, "fp32").endswith(", fp32")


def test_forced_and_bad_precisions(flags):
    flags("avx2")
    assert resolve_precision(CPU, "bf16") is torch.bfloat16  # forced: emulated, but honoured
    with pytest.raises(DeviceError, match="fp16 is for GPUs"):
        resolve_precision(CPU, "fp16")
    with pytest.raises(DeviceError, match="unknown precision"):
        resolve_precision(CPU, "int8")


def test_networks_run_channels_last():
    from hdr_studio.inference.pipeline import load_model

    net = load_model("masked", "cpu").net
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(c.weight.is_contiguous(memory_format=torch.channels_last) for c in convs)


@pytest.fixture(scope="module")
def crop():
    image = read_image(SAMPLES / "sunset_lomiri.jpg")
    code = image.code
    y, x = np.unravel_index(np.argmax(code.sum(axis=2)), code.shape[:2])
    y0, x0 = max(0, y - 96), max(0, x - 96)
    from hdr_studio.core.image import Image

    return Image.from_pixels(code[y0 : y0 + 192, x0 : x0 + 192])


@pytest.mark.parametrize("method", ["masked", "drht", "hybrid", "declipnet"])
def test_bf16_stays_close_to_fp32_and_is_deterministic(crop, method):
    """Stated tolerance: HDR results within 0.1 in log (≈ 10 %) at any pixel and 0.002 on
    average; SDR results within 0.05 in linear value at any pixel, 0.001 on average."""
    a = run_method(crop, method, device="cpu", precision="fp32")
    b = run_method(crop, method, device="cpu", precision="bf16")
    c = run_method(crop, method, device="cpu", precision="bf16")
    for kind in ("hdr", "sdr"):
        x, y, z = getattr(a, kind), getattr(b, kind), getattr(c, kind)
        if x is None:
            continue
        np.testing.assert_array_equal(y, z)  # deterministic for a given precision
        if kind == "hdr":
            d = np.abs(np.log(np.maximum(x, 1e-4)) - np.log(np.maximum(y, 1e-4)))
            assert d.max() < 0.1 and d.mean() < 0.002, (d.max(), d.mean())
        else:
            d = np.abs(x - y)
            assert d.max() < 0.05 and d.mean() < 0.001, (d.max(), d.mean())
