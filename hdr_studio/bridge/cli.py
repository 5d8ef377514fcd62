"""``hdr-studio bridge serve|status|stop`` and ``hdr-studio plugins install|uninstall``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time


def _seconds(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def add_commands(sub, positive_int) -> None:
    b = sub.add_parser(
        "bridge",
        help="the local server the GIMP and Krita plug-ins talk to",
        description="serve: run the bridge (127.0.0.1, a free port, a token in the "
        "connection file); the plug-ins start it on demand. status: is one running. "
        "stop: stop the running one.",
    )
    b.add_argument("action", choices=("serve", "status", "stop"))
    b.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    b.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=900.0,
        metavar="S",
        help="exit after S seconds without requests or work (default 900)",
    )
    b.add_argument(
        "--max-pixels", type=positive_int, default=100_000_000, help="largest layer (pixels)"
    )
    b.add_argument("--jobs", type=positive_int, default=1, help="jobs computed at once")
    b.add_argument("--queue", type=positive_int, default=8, help="jobs accepted to wait")
    b.add_argument(
        "--client-timeout",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="cancel a job whose client has not asked about it for S seconds (default 30)",
    )
    b.add_argument(
        "--app-command",
        metavar="CMD",
        help="how the round trip starts the app (default: this installation's app)",
    )
    b.add_argument("--json", action="store_true", help="status as JSON")
    b.set_defaults(func=cmd_bridge)

    p = sub.add_parser("plugins", help="install the GIMP 3 or Krita plug-in for this user")
    p.add_argument("action", choices=("install", "uninstall", "package"))
    p.add_argument("host", choices=("krita", "gimp"))
    p.add_argument("--dest", metavar="DIR", help="the host's plug-in folder (default: the user's)")
    p.add_argument("-o", "--output", metavar="ZIP", help="package: the archive to write")
    p.add_argument("--force", action="store_true", help="replace an existing archive")
    p.set_defaults(func=cmd_plugins)


def cmd_bridge(args: argparse.Namespace) -> int:
    from hdr_studio.bridge.client import BridgeError, Client, read_connection

    if args.action == "serve":
        from hdr_studio.bridge.server import Limits, serve

        limits = Limits(
            max_pixels=args.max_pixels,
            running=args.jobs,
            queue=args.queue,
            client_timeout=args.client_timeout,
            idle_timeout=args.idle_timeout,
        )
        return serve(limits, args.port, args.app_command, announce=lambda m: print(m, flush=True))
    from hdr_studio.bridge.log import log_path

    info = read_connection()
    if info is None:
        print(
            "no HDR Studio bridge is running"
            + (f" (log: {log_path()})" if args.action == "status" else ""),
            file=sys.stderr if args.action == "stop" else sys.stdout,
        )
        return 1 if args.action == "status" else 0
    client = Client.from_connection(info)
    if args.action == "status":
        try:
            health = client.health()
        except BridgeError as exc:
            print(f"bridge pid {info['pid']} does not answer: {exc} (log: {log_path()})")
            return 1
        if args.json:
            logged = health.get("log") or str(log_path())
            print(json.dumps({**health, "pid": info["pid"], "port": info["port"], "log": logged}))
        else:
            print(
                f"HDR Studio bridge {health['version']} (protocol {health['protocol']}) on "
                f"127.0.0.1:{info['port']}, pid {info['pid']}, {health['jobs']} job(s) active; "
                f"{health['device']}\nlog: {health.get('log') or log_path()}"
            )
        return 0
    try:
        client.request("POST", "/v1/shutdown")
    except BridgeError:
        os.kill(int(info["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + 10
    while read_connection() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"stopped the bridge (pid {info['pid']})")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hdr_studio.bridge import plugins

    if args.action == "package":
        out = Path(args.output or f"hdr-studio-{args.host}-plugin.zip")
        plugins.package(args.host, out, force=args.force)
        print(f"wrote {out}")
        return 0
    dest = Path(args.dest) if args.dest else None
    if args.action == "install":
        where = plugins.install(args.host, dest)
        print(f"installed the {args.host} plug-in into {where}")
        print(f"it starts HDR Studio as: {' '.join(plugins.install_command())}")
        print(plugins.NEXT_STEPS[args.host])
        if args.host == "krita" and os.environ.get("VIRTUAL_ENV"):
            print(
                "note: start Krita from the menu or a shell without an activated venv: "
                "Krita's own Python takes the venv's python3 from PATH and then has no "
                "PyQt5 (no Python plug-in loads); the HDR Studio plug-in needs no venv."
            )
    else:
        where = plugins.uninstall(args.host, dest)
        print(f"removed the {args.host} plug-in from {where}" if where else "nothing to remove")
    return 0
