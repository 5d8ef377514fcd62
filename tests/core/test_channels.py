"""Per-channel reductions: the same values as numpy's axis reductions, faster."""

import numpy as np
import pytest

from hdr_studio.core.channels import (
    all_channels,
    any_channel,
    channel_max,
    channel_mean,
    channel_min,
)
from hdr_studio.core.transfer import decode, decode_levels


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.float64])
def test_reductions_equal_numpys(dtype):
    rng = np.random.default_rng(0)
    a = (rng.random((37, 53, 3)) * 200).astype(dtype)
    np.testing.assert_array_equal(channel_max(a), a.max(axis=2))
    np.testing.assert_array_equal(channel_min(a), a.min(axis=2))
    if dtype == np.float32:
        np.testing.assert_array_equal(channel_mean(a), a.mean(axis=2))
    m = a > 100
    np.testing.assert_array_equal(any_channel(m), m.any(axis=2))
    np.testing.assert_array_equal(all_channels(m), m.all(axis=2))
    assert channel_max(a[:0]).shape == (0, 53)
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        channel_max(a[..., :2])


@pytest.mark.parametrize("levels", [256, 1024, 65536])
@pytest.mark.parametrize("transfer", ["srgb", "gamma:2.2", "linear", "pq"])
def test_decoding_levels_by_table_is_exact(levels, transfer):
    rng = np.random.default_rng(1)
    code = rng.integers(0, levels, (64, 80, 3)).astype(np.float32) / np.float32(levels - 1)
    np.testing.assert_array_equal(decode_levels(code, transfer, levels), decode(code, transfer))
