"""``hdr-studio bridge serve|status|stop``: the local server the GIMP and Krita plug-ins talk
to (the plug-ins start it on demand)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

from hdr_studio.bridge.limits import Limits
from hdr_studio.cli.common import positive_int, positive_seconds

_DEFAULTS = Limits()


def register(sub) -> None:
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
        type=positive_seconds,
        default=_DEFAULTS.idle_timeout,
        metavar="S",
        help=f"exit after S seconds without requests or work (default {_DEFAULTS.idle_timeout:g})",
    )
    b.add_argument(
        "--max-pixels",
        type=positive_int,
        default=_DEFAULTS.max_pixels,
        help=f"largest layer (pixels; default {_DEFAULTS.max_pixels:,})",
    )
    b.add_argument(
        "--jobs",
        type=positive_int,
        default=_DEFAULTS.running,
        help=f"jobs computed at once (default {_DEFAULTS.running})",
    )
    b.add_argument(
        "--queue",
        type=positive_int,
        default=_DEFAULTS.queue,
        help=f"jobs accepted to wait (default {_DEFAULTS.queue})",
    )
    b.add_argument(
        "--client-timeout",
        type=positive_seconds,
        default=_DEFAULTS.client_timeout,
        metavar="S",
        help="cancel a job whose client has not asked about it for S seconds (default "
        f"{_DEFAULTS.client_timeout:g})",
    )
    b.add_argument(
        "--app-command",
        metavar="CMD",
        help="how the round trip starts the app (default: this installation's app)",
    )
    b.add_argument("--json", action="store_true", help="status as JSON")
    b.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "serve":
        from hdr_studio.bridge.server import serve

        limits = Limits(
            max_pixels=args.max_pixels,
            running=args.jobs,
            queue=args.queue,
            client_timeout=args.client_timeout,
            idle_timeout=args.idle_timeout,
        )
        return serve(limits, args.port, args.app_command, announce=lambda m: print(m, flush=True))
    return status(args) if args.action == "status" else stop()


def status(args: argparse.Namespace) -> int:
    from hdr_studio.bridge.client import BridgeError, Client, read_connection
    from hdr_studio.bridge.log import log_path

    info = read_connection()
    if info is None:
        print(f"no HDR Studio bridge is running (log: {log_path()})")
        return 1
    try:
        health = Client.from_connection(info).health()
    except BridgeError as exc:
        print(f"bridge pid {info['pid']} does not answer: {exc} (log: {log_path()})")
        return 1
    logged = health.get("log") or str(log_path())
    if args.json:
        print(json.dumps({**health, "pid": info["pid"], "port": info["port"], "log": logged}))
    else:
        print(
            f"HDR Studio bridge {health['version']} (protocol {health['protocol']}) on "
            f"127.0.0.1:{info['port']}, pid {info['pid']}, {health['jobs']} job(s) active; "
            f"{health['device']}\nlog: {logged}"
        )
    return 0


def stop() -> int:
    from hdr_studio.bridge.client import BridgeError, Client, read_connection

    info = read_connection()
    if info is None:
        print("no HDR Studio bridge is running", file=sys.stderr)
        return 0
    try:
        Client.from_connection(info).request("POST", "/v1/shutdown")
    except BridgeError:
        os.kill(int(info["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + 10
    while read_connection() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"stopped the bridge (pid {info['pid']})")
    return 0
