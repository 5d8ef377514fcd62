import numpy as np
import pytest
import torch

from hdr_studio.core.errors import Cancelled
from hdr_studio.core.jobs import CancelToken
from hdr_studio.inference.devices import DeviceError, resolve_device
from hdr_studio.inference.runner import (
    MAX_TILE_CPU,
    MIN_AUTO_TILE,
    auto_tile,
    choose_tile,
    plan_tiles,
    run_tiled,
)


class Conv(torch.nn.Module):
    stride = 8

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.c = torch.nn.Conv2d(3, 2, 5, padding=2)

    def forward(self, x):
        return self.c(x)


def test_identity_network_is_reproduced_exactly_through_tiles():
    x = np.random.default_rng(0).random((150, 230, 3)).astype(np.float32)
    out = run_tiled(torch.nn.Identity(), x, torch.device("cpu"), stride=16, tile=64, halo=16)
    np.testing.assert_allclose(out, x, rtol=1e-6, atol=1e-6)


def test_small_receptive_field_is_exact_with_enough_halo():
    x = np.random.default_rng(1).random((97, 133, 3)).astype(np.float32)
    net = Conv()
    whole = run_tiled(net, x, torch.device("cpu"), 8, tile=1024, halo=8)
    tiled = run_tiled(net, x, torch.device("cpu"), 8, tile=48, halo=16)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


def test_progress_and_cancel_within_one_tile():
    x = np.zeros((200, 200, 3), np.float32)
    seen = []
    token = CancelToken()
    calls = []

    class Counting(torch.nn.Module):
        def forward(self, t):
            calls.append(1)
            if len(calls) == 2:
                token.cancel()
            return t

    with pytest.raises(Cancelled):
        run_tiled(
            Counting(),
            x,
            torch.device("cpu"),
            8,
            tile=64,
            halo=8,
            progress=lambda f, m: seen.append(f),
            cancel=token,
        )
    assert len(calls) == 2  # stopped before the third tile
    assert seen and seen == sorted(seen)


def test_out_of_memory_halves_the_tile_and_retries():
    """A real CUDA OOM cannot happen on this CPU-only machine: this network raises the same
    error torch does when a tile is too big, to check the runner's retry path."""
    sizes = []

    class Greedy(torch.nn.Module):
        def forward(self, t):
            sizes.append(t.shape[-1])
            if t.shape[-1] > 128:
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return t

    x = np.random.default_rng(2).random((300, 300, 3)).astype(np.float32)
    out = run_tiled(Greedy(), x, torch.device("cpu"), 8, tile=512, halo=16)
    np.testing.assert_allclose(out, x, atol=1e-6)
    # Whole (padded) image first, then halved until it fits: 304 → 256 → 128.
    assert sizes[0] > 256 and 256 in sizes and sizes[-1] <= 128
    assert sizes == sorted(sizes, reverse=True)


def test_other_errors_are_not_swallowed():
    class Broken(torch.nn.Module):
        def forward(self, t):
            raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        run_tiled(Broken(), np.zeros((32, 32, 3), np.float32), torch.device("cpu"), 8, tile=64)


def test_devices_and_tile_choice():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in {"cpu", "cuda", "mps"}
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA"):
            resolve_device("cuda:0")
    t = choose_tile(torch.device("cpu"), bytes_per_pixel=4 * 12 * 16, stride=16, halo=64)
    assert t % 16 == 0 and 128 <= t <= 2048


def test_tiles_without_a_needed_pixel_are_skipped_and_needed_pixels_are_exact():
    x = np.random.default_rng(3).random((200, 260, 3)).astype(np.float32)
    net = Conv()
    forwards = []
    net.register_forward_hook(lambda *a: forwards.append(1))
    whole = run_tiled(net, x, torch.device("cpu"), 8, tile=64, halo=16)
    all_tiles = len(forwards)
    needed = np.zeros((200, 260), bool)
    needed[10:30, 200:215] = True  # one corner
    needed[150, 40] = True  # one pixel
    forwards.clear()
    part = run_tiled(
        net, x, torch.device("cpu"), 8, tile=64, halo=16, needed=needed, out_channels=2
    )
    assert 0 < len(forwards) < all_tiles // 3
    np.testing.assert_array_equal(part[needed], whole[needed])  # the same sums, bit for bit
    assert np.isfinite(part).all()

    forwards.clear()
    nothing = run_tiled(
        net, x, torch.device("cpu"), 8, tile=64, halo=16,
        needed=np.zeros((200, 260), bool), out_channels=2,
    )  # fmt: skip
    assert not forwards and nothing.shape == (200, 260, 2) and not nothing.any()
    with pytest.raises(ValueError, match="out_channels"):
        run_tiled(net, x, torch.device("cpu"), 8, tile=64, needed=needed)
    with pytest.raises(ValueError, match="shape"):
        run_tiled(net, x, torch.device("cpu"), 8, needed=needed[:100], out_channels=2)


def test_a_tile_that_gives_a_needed_pixel_no_weight_is_not_run():
    """Column 49 lies in the second tile's (x0 = 48) weightless first quarter of its
    overlap: that tile is not run and the pixel still gets what a run of all tiles gives."""
    x = np.random.default_rng(4).random((64, 160, 3)).astype(np.float32)
    needed = np.zeros((64, 160), bool)
    needed[30, 49] = True
    th, tw, tiles = plan_tiles(64, 160, 64, 8, 16, needed)
    assert (th, tw, tiles) == (64, 64, [(0, 0)])
    needed[30, 52] = True  # the first weighted column of the second tile
    assert plan_tiles(64, 160, 64, 8, 16, needed)[2] == [(0, 0), (0, 48)]
    net = Conv()
    whole = run_tiled(net, x, torch.device("cpu"), 8, tile=64, halo=16)
    part = run_tiled(
        net, x, torch.device("cpu"), 8, tile=64, halo=16, needed=needed, out_channels=2
    )
    np.testing.assert_array_equal(part[needed], whole[needed])


def test_the_cpu_tile_is_chosen_for_the_picture():
    """A small clipped area in a 1155×649 picture: smaller tiles, less work than the
    largest; every pixel needed: the tile that wastes least on overlaps; a picture smaller
    than the smallest tile: one tile."""
    hp, wp, stride, halo = 656, 1168, 16, 64
    needed = np.zeros((649, 1155), bool)
    needed[300:340, 500:560] = True  # a sun
    tile = auto_tile(hp, wp, MAX_TILE_CPU, stride, halo, needed)
    assert tile % stride == 0 and MIN_AUTO_TILE <= tile < MAX_TILE_CPU

    def work(t, need):
        th, tw, tiles = plan_tiles(hp, wp, t, stride, halo, need)
        return len(tiles) * th * tw

    assert work(tile, needed) < work(MAX_TILE_CPU, needed) / 2
    every = np.ones((649, 1155), bool)
    full = auto_tile(hp, wp, MAX_TILE_CPU, stride, halo, every)
    sizes = range(MIN_AUTO_TILE, MAX_TILE_CPU + 1, stride)
    assert work(full, every) <= 1.05 * min(work(t, every) for t in sizes)
    assert auto_tile(192, 256, MAX_TILE_CPU, stride, halo, None) >= 256
    assert len(plan_tiles(192, 256, 256, stride, halo, None)[2]) == 1

    net = Conv()
    forwards = []
    net.register_forward_hook(lambda *a: forwards.append(1))
    x = np.zeros((649, 1155, 3), np.float32)
    run_tiled(net, x, torch.device("cpu"), 16, halo=64, needed=needed, out_channels=2)
    largest = choose_tile(torch.device("cpu"), 1024, stride, halo)  # run_tiled's default
    chosen = auto_tile(hp, wp, largest, stride, halo, needed)
    assert len(forwards) == len(plan_tiles(hp, wp, chosen, stride, halo, needed)[2])
