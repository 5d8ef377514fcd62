"""Shipped networks are built on the meta device and given their weights' tensors
(``pipeline._build_with``); a network with a buffer the weights do not hold (the hybrid's
partial convolutions) is built the ordinary way. Either way the loaded network is the one
an ordinary build and strict load give."""

import pytest
import torch

from hdr_studio.inference.pipeline import _build_with
from hdr_studio.inference.registry import config_from_metadata, get_spec
from hdr_studio.inference.weights import load_weights


@pytest.mark.parametrize("name", ["masked", "declipnet", "drht", "hybrid"])
def test_built_with_the_weights_equals_an_ordinary_build(name):
    spec = get_spec(name)
    state, meta = load_weights(name)
    config = config_from_metadata(spec, meta)
    net = _build_with(spec, config, state)
    ref = spec.build(config)
    ref.load_state_dict(state, strict=True)
    tensors = list(net.parameters()) + list(net.buffers())
    assert not any(t.is_meta for t in tensors)
    assert all(isinstance(p, torch.nn.Parameter) and p.requires_grad for p in net.parameters())
    ours, theirs = net.state_dict(), ref.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    for (n, a), (_, b) in zip(net.named_buffers(), ref.named_buffers(), strict=True):
        assert torch.equal(a, b), n  # non-persistent buffers too
    x = torch.rand(1, spec.in_channels, 64, 64)
    with torch.inference_mode():
        torch.testing.assert_close(net.eval()(x), ref.eval()(x))


def test_weights_that_do_not_fit_fail_as_before():
    spec = get_spec("masked")
    state, meta = load_weights("masked")
    config = config_from_metadata(spec, meta)
    state.pop(next(iter(state)))
    with pytest.raises(RuntimeError, match="Missing key"):
        _build_with(spec, config, state)
