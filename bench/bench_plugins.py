"""The plug-ins' figures of issue #32, measured in the real hosts on this machine:

1. host overhead: Reconstruct with method ``none`` (no computation) on a 12 MP 8-bit layer,
   timed inside Krita (``kritarunner``: the plug-in's operations, HDR result into a new
   float document, and SDR result into the same document) and inside GIMP 3 (the PDB
   procedure, HDR and SDR), each with a warm bridge;
2. the Reconstruct dialog's preview of a 12 MP layer computed by the bridge (the default
   network on the reduced copy): the first preview of a layer and a later one (same
   layer, other strength), through the stdlib client as the plug-ins send it;
3. a wrong token: how long ``connect()`` takes to answer, and what it says.

    .venv/bin/python bench/bench_plugins.py [MEGAPIXELS]

Each host figure is the median of 5 runs in one host start, one action at a time (the result
closed or removed and the host given BENCH_SETTLE seconds, default 1, before the next);
needs ``make hosts``. BENCH_HDR_COMMAND: the HDR Studio the bridge runs (another checkout,
for an A/B; run this script from that checkout with PYTHONPATH set to it).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the HDR Studio the bridge runs (BENCH_HDR_COMMAND: another checkout, for an A/B)
HDR = os.environ.get("BENCH_HDR_COMMAND") or str(Path(sys.executable).with_name("hdr-studio"))
GIMP_ROOT = Path(os.environ.get("HDR_STUDIO_GIMP_ROOT", "/var/cache/hdr-studio/gimp3-root"))

SETTLE = float(os.environ.get("BENCH_SETTLE", "1"))  # seconds the host rests between runs

KRITA_SCRIPT = (
    f"SETTLE = {SETTLE}\n"
    + """
import json, statistics, time
from krita import Krita
def main(args):
    photo, out = args[0], args[1]
    app = Krita.instance(); app.setBatchmode(True)
    from hdr_studio_krita import hdr_studio_client as bridge, operations as ops
    doc = app.openDocument(photo); doc.setBatchmode(True)
    node = doc.topLevelNodes()[0]
    client = bridge.connect()
    ops.reconstruct(doc, client, "none", "sdr", node=node)  # warm: profile, bridge
    report = {}
    for result in ("hdr", "sdr"):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            target, layer, _ = ops.reconstruct(doc, client, "none", result, node=node)
            times.append(time.perf_counter() - t0)
            # one action at a time, as an editor makes them: the result is closed (an HDR
            # document) or removed (an SDR layer) and Krita given time to free it and to
            # redraw (its background threads would share the 2 cores with the next run)
            if target is not doc:
                target.close()
            else:
                layer.remove()
                doc.refreshProjection()
            time.sleep(SETTLE)
        report[result] = statistics.median(times)
        report[result + "_runs"] = [round(t, 3) for t in times]
    with open(out, "w") as f:
        json.dump(report, f)
"""
)

GIMP_SCRIPT = (
    f"SETTLE = {SETTLE}\n"
    + """
import json, os, statistics, time
from gi.repository import Gimp, Gio
proc = Gimp.get_pdb().lookup_procedure("plug-in-hdr-studio-reconstruct")
def once(result):
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(os.environ["PHOTO"]))
    cfg = proc.create_config()
    cfg.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    cfg.set_property("image", image)
    cfg.set_core_object_array("drawables", [image.get_layers()[0]])
    cfg.set_property("method", "none")
    cfg.set_property("result", result)
    t0 = time.perf_counter()
    status = proc.run(cfg).index(0)
    took = time.perf_counter() - t0
    image.delete()
    assert status == Gimp.PDBStatusType.SUCCESS, status
    time.sleep(SETTLE)
    return took
once("sdr")
report = {}
for r in ("hdr", "sdr"):
    runs = [once(r) for _ in range(5)]
    report[r], report[r + "_runs"] = statistics.median(runs), [round(t, 3) for t in runs]
with open(os.environ["OUT"], "w") as f:
    json.dump(report, f)
"""
)


def krita(tmp: Path, photo: Path) -> dict | None:
    if shutil.which("kritarunner") is None:
        return None
    from hdr_studio.bridge import plugins

    pykrita = tmp / "pykrita"
    plugins.install("krita", pykrita)
    (pykrita / "bench_krita.py").write_text(KRITA_SCRIPT)
    out = tmp / "krita.json"
    env = {
        "HOME": str(tmp / "home"),
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(pykrita),
        "HDR_STUDIO_RUNTIME_DIR": os.environ["HDR_STUDIO_RUNTIME_DIR"],
        "XDG_STATE_HOME": str(tmp / "state"),
    }
    subprocess.run(
        ["kritarunner", "-s", "bench_krita", "-f", "main", str(photo), str(out)],
        env=env,
        capture_output=True,
        timeout=1800,
        check=False,
    )
    return json.loads(out.read_text()) if out.exists() else None


def gimp(photo: Path) -> dict | None:
    if not (GIMP_ROOT / "usr/bin/gimp-console-3.0").exists() or os.geteuid() != 0:
        return None
    from hdr_studio.bridge import plugins

    work = Path(tempfile.mkdtemp(prefix="bench-", dir=GIMP_ROOT / "tmp"))
    try:
        plugins.unpack(plugins.package("gimp", work / "p.zip"), work / "gimp" / "plug-ins")
        shutil.copy(photo, work / photo.name)
        runtime = Path(os.environ["HDR_STUDIO_RUNTIME_DIR"])  # the warm bridge's, which

        def inside(p: Path) -> str:  # main() put inside the root: GIMP sees its connection
            return "/" + str(p.relative_to(GIMP_ROOT))  # file and its exchange folder

        env = [
            "HOME=" + inside(work),
            "GIMP3_DIRECTORY=" + inside(work / "gimp"),
            "PATH=/usr/bin:/bin",
            "LANG=C.UTF-8",
            "HDR_STUDIO_RUNTIME_DIR=" + inside(runtime),
            "PHOTO=" + inside(work / photo.name),
            "OUT=" + inside(work / "gimp.json"),
        ]
        cmd = ["chroot", str(GIMP_ROOT), "env", "-i", *env, "gimp-console-3.0", "-i", "--quit"]
        cmd += ["--batch-interpreter=python-fu-eval", "-b", "-"]
        subprocess.run(
            cmd, input=GIMP_SCRIPT.encode(), capture_output=True, timeout=1800, check=False
        )
        out = work / "gimp.json"
        return json.loads(out.read_text()) if out.exists() else None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def preview(client, photo: Path) -> tuple[float, float, dict]:
    from hdr_studio.bridge.client import parts, unpack
    from hdr_studio.core.reader import read_image

    code = read_image(photo).code
    px = np.empty((*code.shape[:2], 4), np.uint8)
    px[..., :3] = np.rint(code * 255)
    px[..., 3] = 255
    header = {
        "width": px.shape[1],
        "height": px.shape[0],
        "channels": 4,
        "sample": "u8",
        "order": "RGBA",
        "colorspace": {"name": "srgb"},
    }
    data = px.tobytes()
    times, head = [], {}
    for strength in (1.0, 0.9, 0.8, 0.7):
        body = parts(dict(header, request={"strength": strength}), data)
        t0 = time.perf_counter()
        _, _, answer = client.request("POST", "/v1/preview", body, {"size": 480})
        times.append(time.perf_counter() - t0)
        head = unpack(answer)[0]
    return times[0], statistics.median(times[1:]), head


def wrong_token() -> tuple[float, str]:
    from hdr_studio.bridge import client as bc
    from hdr_studio.bridge.connection import write_connection

    info = bc.read_connection()
    runtime = Path(os.environ["HDR_STUDIO_RUNTIME_DIR"])
    saved = (runtime / "bridge.json").read_bytes()
    try:
        write_connection(info["port"], "stale-token", "bench")
        (runtime / "bridge.json").write_text(
            json.dumps({**json.loads((runtime / "bridge.json").read_text()), "pid": info["pid"]})
        )
        t0 = time.perf_counter()
        try:
            bc.connect()
            message = "(no error)"
        except bc.BridgeError as exc:
            message = str(exc)
        return time.perf_counter() - t0, message
    finally:
        (runtime / "bridge.json").write_bytes(saved)


def main() -> None:
    from bench.bench_batch import make_photos
    from hdr_studio.bridge import client as bc

    mp = float(sys.argv[1]) if len(sys.argv) > 1 else 12.0
    # inside the GIMP root when there is one: GIMP (chrooted there) and Krita then share the
    # bridge's runtime folder, as hosts on one desktop do (its exchange folder included)
    in_root = (GIMP_ROOT / "tmp").is_dir() and os.geteuid() == 0
    tmp = Path(
        tempfile.mkdtemp(prefix="bench-plugins-", dir=GIMP_ROOT / "tmp" if in_root else None)
    )
    os.environ["HDR_STUDIO_RUNTIME_DIR"] = str(tmp / "run")
    os.environ["HDR_STUDIO_COMMAND"] = HDR
    make_photos(1, mp, tmp)
    jpeg = tmp / "photo_000.jpg"
    from hdr_studio.core.reader import read_image
    from tests.helpers import write

    photo = write(tmp / "photo.png", np.rint(read_image(jpeg).code * 255).astype(np.uint8))
    image = read_image(photo)
    print(f"photo {image.width}x{image.height} ({image.width * image.height / 1e6:.1f} MP)")
    client = bc.connect()
    try:
        first, later, head = preview(client, photo)
        print(
            f"preview of the 12 MP layer ({head['width']}x{head['height']}, {head['method']}): "
            f"first {first:.2f} s, later {later:.2f} s (bridge's own time {head['seconds']} s)"
        )
        took, message = wrong_token()
        print(f"wrong token answered in {took * 1000:.0f} ms: {message}")
        k = krita(tmp, photo)
        print(f"Krita, method none, 12 MP: {k}")
        g = gimp(photo)
        print(f"GIMP, method none, 12 MP: {g}")
    finally:
        client.request("POST", "/v1/shutdown")


if __name__ == "__main__":
    main()
