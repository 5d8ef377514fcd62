"""The parameter tables walked through every front end: each entry's range, choices and
default reach the request's validation, the command line (``reconstruct``, ``batch``,
``analyze``, ``decompose``), the bridge's JSON checks and its OpenAPI document; and a new
entry (a hypothetical option) reaches all of them with nothing but the entry and the
request field that uses it."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from hdr_studio.api import parameters as P
from hdr_studio.api.parameters import ANALYSE, DECOMPOSE, RECONSTRUCT, Parameter
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.bridge.openapi import openapi_document
from hdr_studio.cli import build_parser
from hdr_studio.cli.options import given

COMMANDS = {"reconstruct": ["IN", "-o", "OUT"], "batch": ["IN", "-o", "OUT"]}


def _sub(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise AssertionError("no subcommands")


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    for action in parser._actions:
        if flag in action.option_strings:
            return action
    raise AssertionError(f"{parser.prog} has no {flag}")


def _good(p: Parameter):
    """A value other than the default that the table allows (the table's units)."""
    if p.choices is not None:
        return next(c for c in reversed(p.choices) if c != p.default_for("reconstruct"))
    if p.kind is bool:
        return True
    if p.kind is dict:
        return {"max_gain": 4.0}
    if p.kind is str:
        return "cpu" if p.name == "device" else "gamma:2.2" if p.name == "curve" else "classical"
    lo = p.minimum if p.minimum is not None else 0.0
    hi = p.maximum if p.maximum is not None else lo + 100
    value = lo + (hi - lo) * 0.05 if p.maximum is not None else lo + 7
    return p.kind(round(value, 2) if p.kind is float else value)


def _bad(p: Parameter):
    """A value the table refuses, or None when every value of its kind is allowed."""
    if p.choices is not None:
        return "nonsense" if p.kind is str else 2
    if p.levels is not None:  # above the top level, in either units
        return float(p.levels * 2)
    if p.maximum is not None:
        return p.maximum * 2 + 1
    if p.minimum is not None:
        return p.minimum - 1
    return None


def _cli_text(p: Parameter, value) -> str:
    if p.percent:
        return f"{value * 100:g}"
    return str(value)


@pytest.mark.parametrize("p", RECONSTRUCT, ids=lambda p: p.name)
def test_request_validation_follows_the_table(p):
    good, bad = _good(p), _bad(p)
    field = p.name.split(".", 1)
    if field[0] == "export":
        base = ReconstructRequest(input=Path("x.jpg"))
        with pytest.raises(ValueError, match=field[1].split("_")[0]):
            export = dataclasses.replace(base.export, **{field[1]: bad})
            ReconstructRequest(input=Path("x.jpg"), export=export)
        return
    assert ReconstructRequest(input=Path("x.jpg"), **{p.name: good}) is not None
    if bad is not None:
        with pytest.raises(ValueError, match=p.name):
            ReconstructRequest(input=Path("x.jpg"), **{p.name: bad})
    default = ReconstructRequest(input=Path("x.jpg"))
    assert getattr(default, p.name) == p.default


@pytest.mark.parametrize("front", ["reconstruct", "batch"])
def test_command_line_options_follow_the_table(front, capsys):
    parser = build_parser()
    sub = _sub(parser, front)
    for p in RECONSTRUCT:
        if front not in p.fronts:
            assert all(p.option not in a.option_strings for a in sub._actions), p.name
            continue
        action = _option(sub, p.option)
        if p.kind is dict:  # NAME=VALUE, repeated; none given: the table's default
            args = parser.parse_args([front, *COMMANDS[front]])
            assert given(args, front)[p.name] == p.default_for(front), p.name
            argv = [front, *COMMANDS[front], p.option, "max_gain=8", p.option, "reach=2"]
            assert given(parser.parse_args(argv), front)[p.name] == {"max_gain": 8, "reach": 2}
            continue
        assert action.default == p.default_for(front), p.name
        if p.choices is not None and p.kind is not float:
            assert tuple(action.choices) == p.choices, p.name
        good = _good(p)
        argv = [front, *COMMANDS[front]]
        argv += [p.option] if p.kind is bool else [p.option, _cli_text(p, good)]
        args = parser.parse_args(argv)
        fields = P.request_fields(given(args, front), front)
        got = fields["export"] if p.name.startswith("export.") else fields
        key = p.name.split(".", 1)[-1]
        got = getattr(got, key) if p.name.startswith("export.") else got[key]
        assert got == pytest.approx(good) if isinstance(good, float) else got == good, p.name
        bad = _bad(p)
        if bad is not None and p.kind is not bool:
            with pytest.raises(SystemExit) as exit_:
                parser.parse_args([front, *COMMANDS[front], p.option, _cli_text(p, bad)])
            assert exit_.value.code == 2, p.name
            assert p.option in capsys.readouterr().err


@pytest.mark.parametrize(("command", "table"), [("analyze", ANALYSE), ("decompose", DECOMPOSE)])
def test_other_operations_options_follow_their_tables(command, table):
    parser = build_parser()
    sub = _sub(parser, command)
    for p in P.shown_by(command, table):
        action = _option(sub, p.option)
        assert action.default == p.default and action.dest == p.dest, p.name
        args = parser.parse_args([command, "IN", *(["-o", "D"] if command == "decompose" else []),
                                  p.option, _cli_text(p, _good(p))])  # fmt: skip
        assert getattr(args, p.dest) == _good(p), p.name


def test_the_bridge_checks_and_documents_the_table():
    schema = openapi_document("test")["components"]["schemas"]["ReconstructRequest"]
    for p in RECONSTRUCT:
        if "bridge" not in p.fronts:
            assert p.name not in schema["properties"]
            with pytest.raises(ValueError, match="unknown request field"):
                P.from_json({p.name: p.default})
            continue
        prop = schema["properties"][p.name]
        assert prop.get("minimum") == p.minimum and prop.get("maximum") == p.maximum, p.name
        assert prop.get("enum") == (list(p.choices) if p.choices else None), p.name
        good = _good(p)
        assert P.from_json({p.name: good})[p.name] == good, p.name
        if _bad(p) is not None:
            with pytest.raises(ValueError, match=p.name):
                P.from_json({p.name: _bad(p)})
    analyse = openapi_document("test")["paths"]["/v1/analyse"]["post"]["parameters"]
    documented = {q["name"]: q["schema"] for q in analyse}
    for p in P.shown_by("bridge", ANALYSE):
        assert documented[p.name].get("default") == p.default, p.name


def test_one_default_overlay_mode():
    from hdr_studio.core.clipping import DEFAULT_MODE

    assert P.parameter("mode", ANALYSE).default == DEFAULT_MODE == "any"
    preview = openapi_document("test")["paths"]["/v1/preview"]["post"]["parameters"]
    assert {q["name"]: q["schema"] for q in preview}["mode"]["default"] == "any"


def test_an_added_entry_reaches_every_front_end(monkeypatch, capsys):
    """A hypothetical option: one table entry and the request field that uses it. The
    command lines offer it with its default and range, the request checks it, the bridge
    takes it from JSON and documents it; nothing else was written for it."""
    extra = Parameter(
        "margin",
        float,
        0.25,
        "a hypothetical option",
        minimum=0.0,
        maximum=0.5,
        fronts=frozenset({"reconstruct", "batch", "bridge"}),
    )
    monkeypatch.setattr(P, "RECONSTRUCT", (*RECONSTRUCT, extra))

    @dataclasses.dataclass(frozen=True)
    class Request(ReconstructRequest):  # the field that uses it
        margin: float = 0.25

    for front in ("reconstruct", "batch"):
        parser = build_parser()
        args = parser.parse_args([front, *COMMANDS[front], "--margin", "0.4"])
        fields = P.request_fields(given(args, front), front)
        assert Request(input=Path("x.jpg"), **fields).margin == 0.4
        assert parser.parse_args([front, *COMMANDS[front]]).margin == 0.25
        with pytest.raises(SystemExit):
            parser.parse_args([front, *COMMANDS[front], "--margin", "0.9"])
        assert "--margin: must be in [0, 0.5]" in capsys.readouterr().err
    with pytest.raises(ValueError, match="margin must be in"):
        Request(input=Path("x.jpg"), margin=0.9)
    assert P.from_json({"margin": 0.1})["margin"] == 0.1
    with pytest.raises(ValueError, match="margin must be in"):
        P.from_json({"margin": 3})
    schema = openapi_document("test")["components"]["schemas"]["ReconstructRequest"]
    assert schema["properties"]["margin"]["maximum"] == 0.5
