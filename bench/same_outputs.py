"""Bit-for-bit identity of what the front ends write, between two states of the source.

    .venv/bin/python bench/same_outputs.py run OUTDIR        # write every case's files and
                                                             # OUTDIR/digests.json
    .venv/bin/python bench/same_outputs.py compare A.json B.json

To compare a change against the code before it, run ``run`` once with the old tree first on
``PYTHONPATH`` (``git worktree add /tmp/old REV``; ``PYTHONPATH=/tmp/old .venv/bin/python
bench/same_outputs.py run /tmp/old-out``), once with the new one, then ``compare``.

Every case goes through a front end's own entry (the CLI's ``main`` for reconstruct, batch,
analyze and decompose; an in-process bridge over HTTP for its jobs and overlays), on the
four bundled sample photos, with the networks on two threads (their sums are then ordered
the same in both runs). The files are compared as bytes, except the batch report (it holds
timings): there only the outputs count.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import threading
from pathlib import Path

import hdr_studio

SAMPLES = Path(hdr_studio.__file__).parent / "resources" / "samples"  # of the tree under test
PHOTOS = sorted(SAMPLES.glob("*.jpg"))

#: (name, arguments after ``reconstruct IN -o OUT``, output extension)
RECONSTRUCT = [
    ("classical-pq", ["--method", "classical"], ".png"),
    ("classical-exr-invented", ["--method", "classical", "--invented-channel"], ".exr"),
    ("none-pq", ["--method", "none"], ".png"),
    ("classical-options", ["--method", "classical", "--over", "240", "--strength", "60",
                           "--reference-white", "100", "--peak-nits", "4000"], ".png"),
    ("classical-curve", ["--method", "classical", "--curve", "gamma:2.2"], ".exr"),
    ("classical-uhdr", ["--method", "classical", "--quality", "80"], ".jpg"),
    ("classical-sdr", ["--method", "classical", "--result", "sdr"], ".png"),
]  # fmt: skip
#: One network per photo (their CPU time is what limits this script).
NETWORKS = {
    "sunset_lomiri.jpg": ["--method", "masked"],
    "seeding_lomiri.jpg": ["--method", "drht", "--result", "sdr", "--format", "png-sdr"],
    "aitzgorri_lomiri.jpg": ["--method", "hybrid", "--strength", "130"],
    "picosdeeuropa_lomiri.jpg": ["--method", "declipnet"],
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(*argv: str) -> str:
    from hdr_studio.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    if code != 0:
        raise SystemExit(f"hdr-studio {' '.join(argv)}: exit {code}")
    return out.getvalue()


def _reconstructions(out: Path, digests: dict[str, str]) -> None:
    for photo in PHOTOS:
        cases = [*RECONSTRUCT, ("network", [*NETWORKS[photo.name], "--threads", "2"], ".png")]
        for name, args, ext in cases:
            target = out / f"{photo.stem}.{name}{ext}"
            _cli("reconstruct", str(photo), "-o", str(target), *args)
            digests[target.name] = _digest(target)
            print(f"{target.name} {digests[target.name][:12]}", flush=True)


def _analyses(out: Path, digests: dict[str, str]) -> None:
    for photo in PHOTOS:
        for mode in ("any", "all", "channel"):
            target = out / f"{photo.stem}.overlay-{mode}.png"
            text = _cli("analyze", str(photo), "--json", "--overlay", str(target), "--mode", mode)
            stats = json.loads(text)
            stats.pop("path")
            digests[target.name] = _digest(target)
            digests[f"{photo.stem}.analyze.json"] = hashlib.sha256(
                json.dumps(stats, sort_keys=True).encode()
            ).hexdigest()
    target = out / "decompose"
    _cli("decompose", str(PHOTOS[0]), "-o", str(target), "--solver", "fast")
    for f in sorted(target.iterdir()):
        digests[f"decompose/{f.name}"] = _digest(f)


def _batch(out: Path, digests: dict[str, str]) -> None:
    target = out / "batch"
    _cli("batch", *map(str, PHOTOS), "-o", str(target), "--method", "classical",
         "--strength", "80", "--progress", "none")  # fmt: skip
    for f in sorted(target.glob("*.exr")):
        digests[f"batch/{f.name}"] = _digest(f)


def _bridge(out: Path, digests: dict[str, str]) -> None:
    """A job and an overlay through a real HTTP bridge on 127.0.0.1, from 8-bit pixels."""
    import numpy as np

    from hdr_studio.bridge.client import Client
    from hdr_studio.bridge.server import Bridge, Limits, make_server
    from hdr_studio.core.reader import read_image

    bridge = Bridge(Limits())
    server = make_server(bridge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = Client(server.server_address[1], bridge.token, timeout=600)
    try:
        for photo in PHOTOS[:2]:
            code = read_image(photo).code
            px = np.rint(code * 255).astype(np.uint8)
            header = {"width": px.shape[1], "height": px.shape[0], "channels": 3,
                      "sample": "u8", "order": "RGB", "colorspace": {"name": "srgb"}}  # fmt: skip
            for mode in ("any", "all"):
                got, data = client.analyse(header, px.tobytes(), mode=mode)
                key = f"bridge/{photo.stem}.overlay-{mode}"
                digests[key] = hashlib.sha256(bytes(data)).hexdigest()
                digests[key + ".json"] = hashlib.sha256(
                    json.dumps(got["stats"], sort_keys=True).encode()
                ).hexdigest()
            request = {"method": "classical", "strength": 0.7, "over": 245 / 255}
            job = client.submit(header, px.tobytes(), request)
            client.wait(job)
            got, data = client.result(job, sample="f32")
            digests[f"bridge/{photo.stem}.job"] = hashlib.sha256(bytes(data)).hexdigest()
    finally:
        bridge.stop()
        server.server_close()


def run(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    _analyses(out, digests)
    _batch(out, digests)
    _bridge(out, digests)
    _reconstructions(out, digests)
    (out / "digests.json").write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    print(f"{len(digests)} files in {out / 'digests.json'}")


def compare(a: Path, b: Path) -> int:
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    differ = sorted(k for k in da.keys() & db.keys() if da[k] != db[k])
    only = sorted(da.keys() ^ db.keys())
    for k in differ:
        print(f"differs: {k}")
    for k in only:
        print(f"only in {'A' if k in da else 'B'}: {k}")
    same = len(da.keys() & db.keys()) - len(differ)
    print(f"{same} identical, {len(differ)} differ, {len(only)} in one run only")
    return 1 if differ or only else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="action", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = p.parse_args()
    if args.action == "run":
        run(args.out)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
