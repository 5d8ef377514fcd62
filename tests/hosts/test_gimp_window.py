"""The GIMP plug-in's Reconstruct dialog in GIMP 3's real window (under Xvfb, reached over
TCP from the Debian 13 root): run interactively on a displayed image, the dialog shows the
bridge's live preview (and again with clipping shown), screenshots of it are kept, and the
HDR result lands after the float conversion was asked before the work. The plug-in's test
hook (``HDR_STUDIO_TEST_SHOTS``) takes the screenshots and answers the dialogs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.bridge import plugins
from tests.hosts.common import expected, make_photo, start_bridge, stop_bridge

ROOT = Path(os.environ.get("HDR_STUDIO_GIMP_ROOT", "/var/cache/hdr-studio/gimp3-root"))
pytestmark = [
    pytest.mark.hosts,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (ROOT / "usr/bin/gimp-3.0").exists() or os.geteuid() != 0,
        reason=f"no GIMP 3 root at {ROOT} (tests/hosts/gimp3_root.sh builds it, as root)",
    ),
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (Debian xvfb)"),
]
SCRIPT = """
import json, os, traceback
from gi.repository import Gegl, Gimp, Gio
report = {}
proc = Gimp.get_pdb().lookup_procedure("plug-in-hdr-studio-reconstruct")
def interactive(image):
    cfg = proc.create_config()
    cfg.set_property("run-mode", Gimp.RunMode.INTERACTIVE)
    cfg.set_property("image", image)
    cfg.set_core_object_array("drawables", [image.get_layers()[0]])
    return str(proc.run(cfg).index(0))
try:
    answer = os.path.join(os.environ["SHOTS"], "float-answer")
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(os.environ["PHOTO"]))
    image.clean_all()
    display = Gimp.Display.new(image)
    open(answer, "w").write("cancel")  # "Convert to 16-bit half float?" answered no
    report["declined"] = {"status": interactive(image), "dirty": image.is_dirty(),
                          "layers": [l.get_name() for l in image.get_layers()],
                          "precision": str(image.get_precision().value_nick)}
    os.remove(answer)
    report["status"] = interactive(image)
    layer = image.get_layers()[0]
    w, h = layer.get_width(), layer.get_height()
    data = layer.get_buffer().get(Gegl.Rectangle.new(0, 0, w, h), 1.0, "RGBA float",
                                  Gegl.AbyssPolicy.CLAMP)
    open(os.path.join(os.environ["SHOTS"], "result.raw"), "wb").write(bytes(data))
    report.update(layer=layer.get_name(), precision=str(image.get_precision().value_nick),
                  size=[w, h])
    image.clean_all()
    display.delete()
except Exception:
    report["error"] = traceback.format_exc()
open(os.path.join(os.environ["SHOTS"], "report.json"), "w").write(json.dumps(report))
"""


def free_display() -> int:
    for n in range(90, 200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", 6000 + n)) != 0:
                return n
    raise RuntimeError("no free X display")


@pytest.fixture(scope="module")
def window():
    work = Path(tempfile.mkdtemp(prefix="hdr-studio-test-", dir=ROOT / "tmp"))
    photo = make_photo(work / "photo.png")
    plugins.unpack(plugins.package("gimp", work / "p.zip"), work / "gimp" / "plug-ins")
    shots = work / "shots"
    shots.mkdir()
    n = free_display()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            f":{n}",
            "-ac",
            "-listen",
            "tcp",
            "-nolisten",
            "unix",
            "-screen",
            "0",
            "1400x900x24",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2)
    start_bridge(work / "run")

    def inside(p: Path) -> str:
        return "/" + str(p.relative_to(ROOT))

    env = [
        "HOME=" + inside(work),
        "GIMP3_DIRECTORY=" + inside(work / "gimp"),
        "PATH=/usr/bin:/bin",
        "LANG=C.UTF-8",
        f"DISPLAY=127.0.0.1:{n}",
        "HDR_STUDIO_RUNTIME_DIR=" + inside(work / "run"),
        "HDR_STUDIO_TEST_SHOTS=" + inside(shots),
        "SHOTS=" + inside(shots),
        "PHOTO=" + inside(photo),
    ]
    cmd = ["chroot", str(ROOT), "env", "-i", *env, "gimp-3.0", "--no-splash", "--quit"]
    cmd += ["--batch-interpreter=python-fu-eval", "-b", "-"]
    try:
        proc = subprocess.run(
            cmd, input=SCRIPT.encode(), capture_output=True, timeout=400, check=False
        )
    finally:
        stop_bridge(work / "run")
        xvfb.terminate()
        xvfb.wait(10)
    (shots / "gimp.log").write_bytes(proc.stdout + proc.stderr)
    assert (shots / "report.json").exists(), proc.stderr.decode()[-3000:]
    report = json.loads((shots / "report.json").read_text())
    assert "error" not in report, report
    readme = os.environ.get("HDR_STUDIO_README_SHOTS")
    if readme:
        for name in ("gimp-reconstruct-dialog.png", "gimp-reconstruct-dialog-clipping.png"):
            shutil.copy(shots / name, Path(readme) / name)
    yield report, shots, photo
    shutil.rmtree(work, ignore_errors=True)


def test_the_gimp_dialog_shows_a_live_preview(window):
    _, shots, _ = window
    preview = json.loads((shots / "gimp-preview.json").read_text())
    assert preview["note"].startswith("HDR preview") and preview["shown"] >= 1
    plain = (shots / "gimp-reconstruct-dialog.png").read_bytes()
    marked = (shots / "gimp-reconstruct-dialog-clipping.png").read_bytes()
    assert len(plain) > 20_000 and plain != marked
    # DeclipNet chosen with the default HDR result: the dialog's Result becomes SDR
    assert json.loads((shots / "gimp-follow.json").read_text()) == {"declipnet": "sdr"}


def test_the_interactive_run_adds_the_hdr_result(window):
    report, shots, photo = window
    assert report["status"].endswith("SUCCESS") or "SUCCESS" in report["status"]
    assert report["precision"] == "half-linear" and report["layer"].startswith("HDR Studio: ")
    question = (shots / "float-question.txt").read_text()
    assert question == "Convert the image to 16-bit half linear floating point?"
    w, h = report["size"]
    got = np.fromfile(shots / "result.raw", np.float32).reshape(h, w, 4)[..., :3]
    np.testing.assert_array_equal(got, got.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(got, expected(photo, None), rtol=2**-11 + 1e-6, atol=1e-6)


def test_declining_the_float_conversion_leaves_the_image_untouched(window):
    """#32 defect 8: asked before the work; no is a cancel with nothing changed (no
    result thrown away, no error, no undo step, not modified)."""
    report, _, _ = window
    declined = report["declined"]
    assert "CANCEL" in declined["status"] and declined["dirty"] is False
    assert declined["layers"] == ["Background"] and declined["precision"] == "u8-non-linear"
