"""``hdr-studio models``: the reconstruction methods, their weights and the device."""

from __future__ import annotations

import argparse
import json

from hdr_studio.api.parameters import parameter


def register(sub) -> None:
    m = sub.add_parser("models", help="list the reconstruction models and their weights")
    m.add_argument("--json", action="store_true", help="machine-readable output")
    m.add_argument("--device", default="auto", help="device to report (default auto)")
    precision = parameter("precision")
    m.add_argument(
        "--precision", choices=precision.choices, default=precision.default, help=precision.help
    )
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api.catalogue import catalogue, device_line, parameter_count

    device = device_line(args.device, args.precision)
    rows = []
    for info in catalogue():
        row = info.to_dict()
        row.update(parameters=parameter_count(info.name), weights=bool(info.digest), device=device)
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"device: {device}")
    print(f"{'name':<10} {'kind':<8} {'parameters':>10}  state")
    for r in rows:
        if r["builtin"]:
            state = "built in (no weights)"
        elif r["available"]:
            state = "weights" + (" (default)" if r["default"] else "")
        else:
            state = f"unavailable: {r['reason']}"
        print(f"{r['name']:<10} {r['kind']:<8} {r['parameters']:>10,}  {state}")
        for o in r["options"]:  # what --option NAME=VALUE takes
            print(
                f"{'':<10} --option {o['name']}=N: {o['help'].lower() or o['label']} "
                f"({o['minimum']:g}–{o['maximum']:g}, default {o['default']:g})"
            )
    return 0
