"""The one method catalogue: built-ins and networks, kinds as an enum, availability."""

from __future__ import annotations

import pytest

from hdr_studio.api.catalogue import (
    UnknownMethodError,
    catalogue,
    default_method,
    method_info,
    parameter_count,
)
from hdr_studio.core.result import MethodKind, ResultKind


def test_every_method_once_with_its_kind():
    methods = catalogue()
    names = [m.name for m in methods]
    assert names == ["classical", "none", "declipnet", "drht", "hybrid", "masked"]
    kinds = {m.name: m.kind for m in methods}
    assert kinds["declipnet"] is MethodKind.SDR and kinds["drht"] is MethodKind.HDR_SDR
    assert kinds["masked"] is MethodKind.HDR and kinds["none"] is MethodKind.HDR
    assert MethodKind.HDR_SDR.gives(ResultKind.SDR) and not MethodKind.SDR.gives_hdr
    assert all(m.available for m in methods)
    assert [m.name for m in methods if m.default] == ["masked"] == [default_method()]
    assert {o.name for o in method_info("classical").options} == {"max_gain", "reach"}
    assert method_info("masked").digest and not method_info("none").digest


def test_unknown_and_unavailable(tmp_path, monkeypatch):
    with pytest.raises(UnknownMethodError, match="methods: classical, none, declipnet"):
        method_info("nope")
    monkeypatch.setenv("HDR_STUDIO_MODELS", str(tmp_path))
    nets = [m for m in catalogue() if not m.builtin]
    assert nets and not any(m.available for m in nets)
    assert all(m.reason.startswith("no trained weights") for m in nets)
    assert default_method() == "classical"


def test_parameter_counts():
    assert parameter_count("none") == 0
    assert parameter_count("masked") > 100_000


def test_without_torch_the_networks_are_listed_unavailable(tmp_path):
    """A base install without the [nets] extra: torch cannot be imported (an import hook
    stands in for its absence — the boundary that cannot be uninstalled in this venv)."""
    from tests.helpers import run_without

    code = (
        "from hdr_studio.api.catalogue import catalogue, default_method, device_line\n"
        "ms = catalogue()\n"
        "nets = [m for m in ms if not m.builtin]\n"
        "assert len(nets) == 4 and not any(m.available for m in nets), ms\n"
        "assert all('hdr-studio[nets]' in m.reason for m in nets)\n"
        "assert default_method() == 'classical'\n"
        "print(device_line())\n"
    )
    r = run_without(("torch",), code)
    assert r.returncode == 0, r.stderr
    assert "PyTorch is not installed" in r.stdout
