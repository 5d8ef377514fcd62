"""Every network: shapes, dtype, finite output on odd sizes, tiled = untiled, gradients
flow, save → load round trip, determinism. Networks here have random (untrained) weights:
these tests check the machinery, not quality (issue #4 trains and measures them)."""

import numpy as np
import pytest
import torch

from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.inference.devices import resolve_device
from hdr_studio.inference.registry import all_specs, build_model, get_spec
from hdr_studio.inference.runner import run_tiled
from tests.helpers import gradient

NAMES = ["declipnet", "drht", "masked", "hybrid"]


def _image(h=301, w=517):
    code = gradient(h, w, seed=1)
    code[40:90, 60:160] = 1.0  # a clipped block
    code[200:230, 300:420, 0] = 1.0  # red-only clipping
    return Image(linear=srgb_decode(code), code=np.ascontiguousarray(code))


def _net(name, seed=0):
    torch.manual_seed(seed)
    net = build_model(name, "small").eval()
    # Non-trivial batch-norm statistics, so eval mode is not an identity.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return net


def test_registry_lists_the_four_models():
    assert sorted(s.name for s in all_specs()) == sorted(NAMES)
    for s in all_specs():
        assert (
            s.kind in {"hdr", "sdr", "hdr+sdr"} and s.paper and set(s.configs) == {"full", "small"}
        )


@pytest.mark.parametrize("name", NAMES)
def test_odd_size_end_to_end(name):
    spec, net, im = get_spec(name), _net(name), _image()
    x = spec.prepare(im)
    assert x.shape == (301, 517, spec.in_channels) and x.dtype == np.float32
    out = run_tiled(net, x, torch.device("cpu"), net.stride, tile=1024, halo=spec.halo)
    assert out.shape == (301, 517, spec.out_channels) and out.dtype == np.float32
    assert np.isfinite(out).all()
    res = spec.finish(out, im)
    for arr in (res.hdr, res.sdr):
        if arr is not None:
            assert arr.shape == (301, 517, 3) and arr.dtype == np.float32 and np.isfinite(arr).all()
    assert (res.hdr is not None) == ("hdr" in spec.kind)
    assert (res.sdr is not None) == ("sdr" in spec.kind)


@pytest.mark.parametrize("name", NAMES)
def test_tiled_equals_untiled(name):
    spec, net = get_spec(name), _net(name)
    x = spec.prepare(_image(256, 400))
    whole = run_tiled(net, x, torch.device("cpu"), net.stride, tile=2048, halo=spec.halo)
    tiled = run_tiled(
        net, x, torch.device("cpu"), net.stride, tile=2 * spec.halo + 64, halo=spec.halo
    )
    scale = np.abs(whole).mean() + 1e-6
    assert np.abs(tiled - whole).mean() / scale < 1e-3
    assert np.abs(tiled - whole).max() / scale < 0.1


@pytest.mark.parametrize("name", NAMES)
def test_one_training_step_changes_the_weights(name):
    spec = get_spec(name)
    net = build_model(name, "small").train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(2, spec.in_channels, 64, 64)
    loss = net(x).square().mean()
    loss.backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads), "every parameter must get a gradient"
    assert all(torch.isfinite(g).all() for g in grads)
    torch.optim.SGD(net.parameters(), lr=0.1).step()
    changed = [k for k, v in net.state_dict().items() if not torch.equal(v, before[k])]
    assert len(changed) >= len(list(net.parameters()))


def test_declipnet_discriminator_scores_any_size():
    from hdr_studio.inference.declipnet import DeclipDiscriminator

    d = DeclipDiscriminator(8).eval()
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 9
    with torch.no_grad():
        assert d(torch.rand(2, 3, 67, 91)).shape == (2,)


def test_declipnet_has_14_layers_and_residual_output():
    from hdr_studio.inference.declipnet import DeclipNet

    net = DeclipNet(8).eval()
    layers = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    assert len(layers) == 14 and all(m.kernel_size == (3, 3) for m in layers)
    torch.nn.init.zeros_(net.d7.weight)
    torch.nn.init.zeros_(net.d7.bias)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(net(x), x)  # zero residual → identity


def test_drht_compression_round_trip_and_kernel_sizes():
    from hdr_studio.inference.drht import DRHT, compress, expand

    y = torch.tensor([0.0, 0.5, 1.0, 8.0, 30.0])
    torch.testing.assert_close(expand(compress(y)), y, rtol=1e-4, atol=1e-5)
    net = DRHT(8)
    assert net.f1.e1[0].kernel_size == (9, 9) and net.f1.e2[0].kernel_size == (5, 5)
    assert net.f1.d2[0].kernel_size == (5, 5)


def test_masked_blend_follows_eq1():
    from hdr_studio.inference.masked import blend

    t = torch.tensor([0.5, 0.98, 1.0])
    lin = t**2
    y = torch.log(torch.tensor([2.0, 3.0, 5.0]))
    out = blend(t, lin, y)
    torch.testing.assert_close(out, torch.tensor([0.25, 0.5 * 0.9604 + 0.5 * 2.0, 4.0]))


@pytest.mark.parametrize("name", NAMES)
def test_deterministic(name):
    spec, net = get_spec(name), _net(name)
    x = spec.prepare(_image(96, 128))
    a = run_tiled(net, x, torch.device("cpu"), net.stride, tile=512, halo=spec.halo)
    b = run_tiled(net, x, torch.device("cpu"), net.stride, tile=512, halo=spec.halo)
    np.testing.assert_array_equal(a, b)


@pytest.mark.gpu
@pytest.mark.parametrize("name", NAMES)
def test_cuda_fp16_agrees_with_fp32(name):
    spec, net = get_spec(name), _net(name)
    x = spec.prepare(_image(256, 384))
    cpu = run_tiled(net, x, torch.device("cpu"), net.stride, tile=1024, halo=spec.halo)
    cuda = resolve_device("cuda")
    gpu = run_tiled(net.to(cuda), x, cuda, net.stride, tile=1024, halo=spec.halo)
    assert np.abs(gpu - cpu).mean() / (np.abs(cpu).mean() + 1e-6) < 2e-2


def test_drht_f1_skip_goes_through_the_target_domain():
    """With f1's correction zeroed, Ŝ = (α·lin(I))^γ: unclipped pixels map to their own
    HDR value, so f1 only learns what clipping removed."""
    from hdr_studio.inference.drht import DRHT, expand

    net = DRHT(width=4).eval()
    torch.nn.init.zeros_(net.f1.out.weight)
    torch.nn.init.zeros_(net.f1.out.bias)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        s = net(x)[:, :3]
    lin = torch.from_numpy(srgb_decode(x.numpy()))
    torch.testing.assert_close(expand(s), lin, rtol=1e-4, atol=1e-5)


def test_a_tile_below_the_networks_minimum_is_raised_and_said():
    spec, net = get_spec("masked"), _net("masked")
    x = spec.prepare(_image(64, 80))
    said = []
    out = run_tiled(
        net,
        x,
        torch.device("cpu"),
        net.stride,
        tile=32,
        halo=spec.halo,
        progress=lambda f, m: said.append(m),
    )
    assert out.shape[:2] == (64, 80)
    assert any("32px tiles are below this network's minimum" in m for m in said)
