"""Command-line options made from the api's parameter tables
(:mod:`hdr_studio.api.parameters`): each parameter a command shows becomes one option with
the table's type, range or choices, default and help, and the parsed options become the
request's fields. A number is typed in the table's units, a percentage in percent
(``--strength 60``) and a threshold also as an 8-bit level (``--over 250``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from hdr_studio.api.parameters import Parameter, shown_by


def parse_value(p: Parameter, text: str) -> Any:
    """The value ``text`` stands for on the command line, in the table's units, checked by
    the table (``ArgumentTypeError`` with the reason, in the command line's units)."""
    if p.kind is str:
        value: Any = text
    else:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if p.percent:
            value /= 100.0
        elif p.levels is not None and value > 1.0:
            if value != int(value) or value > p.levels:
                raise argparse.ArgumentTypeError(
                    f"must be a code value in (0, 1] or a whole level 2–{p.levels}, got {text}"
                )
            value /= float(p.levels)
        if p.kind is int:
            if value != int(value):
                raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
            value = int(value)
    try:
        return p.check(value)
    except ValueError as exc:
        reason = str(exc)
        raise argparse.ArgumentTypeError(reason[reason.find(" must ") + 1 :]) from None


def _type(p: Parameter) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        return parse_value(p, text)

    convert.__name__ = p.name.rsplit(".", 1)[-1]  # argparse names it in "invalid X value"
    return convert


def _pair(text: str) -> tuple[str, float]:
    """``NAME=VALUE`` (a method's option) as (name, number); the engine checks the name
    and range against the method's own."""
    name, sep, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"not NAME=VALUE: {text!r}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value.strip()!r} in {text!r}") from None


_pair.__name__ = "option"


def _help(p: Parameter) -> str:
    text = p.help
    if p.levels is not None:
        bits = (p.levels + 1).bit_length() - 1
        text += (
            f"; a number above 1 is a {bits}-bit level ({p.levels - 5} = {p.levels - 5}/{p.levels})"
        )
    return text.replace("%", "%%")


def add_parameters(
    parser: argparse.ArgumentParser,
    front: str,
    table: tuple[Parameter, ...] | None = None,
    skip: tuple[str, ...] = (),
) -> None:
    """One option for each parameter of ``table`` (default: the request's) that ``front``
    shows (but ``skip``)."""
    for p in shown_by(front, table):
        if p.name in skip:
            continue
        default = p.default_for(front)
        if p.kind is bool:
            parser.add_argument(p.option, dest=p.dest, action="store_true", help=_help(p))
            continue
        if p.kind is dict:  # NAME=VALUE, repeated
            parser.add_argument(
                p.option,
                dest=p.dest,
                action="append",
                type=_pair,
                default=None,
                metavar=p.metavar,
                help=_help(p),
            )
            continue
        kwargs: dict[str, Any] = {"dest": p.dest, "default": default, "help": _help(p)}
        if p.choices is not None and p.kind is not float:
            kwargs["choices"] = p.choices
            kwargs["type"] = p.kind
        else:
            kwargs["type"] = _type(p)
        if p.metavar:
            kwargs["metavar"] = p.metavar
        parser.add_argument(p.option, **kwargs)


def given(
    args: argparse.Namespace, front: str, table: tuple[Parameter, ...] | None = None
) -> dict[str, Any]:
    """The values of ``table``'s parameters that ``front`` shows, by parameter name, from
    parsed options (for :func:`hdr_studio.api.parameters.request_fields`)."""
    out = {}
    for p in shown_by(front, table):
        if hasattr(args, p.dest):
            value = getattr(args, p.dest)
            # repeated NAME=VALUE: the pairs as a mapping (the last one of a name counts)
            out[p.name] = dict(value or ()) if p.kind is dict else value
    return out
