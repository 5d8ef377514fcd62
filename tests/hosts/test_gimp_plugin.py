"""The GIMP 3 plug-in in a real GIMP 3.0 (Debian 13, in a root next to this Debian 12 that
``tests/hosts/gimp3_root.sh`` builds once and ``make hosts`` caches), headless through
``gimp-console-3.0``: installed from its zip, its procedures run through the PDB against a
real bridge outside the root (same network namespace, 127.0.0.1), and each new layer is
compared with ``hdr-studio``'s own result; the colour-managed path with six profiles
(sRGB, Display P3, Adobe RGB, ProPhoto, Rec.2020 PQ, linear Rec.709 float). One GIMP start
serves these checks. Skipped where the root is missing or we are not root (chroot)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.bridge import client as bridge_client
from hdr_studio.bridge import plugins
from hdr_studio.core import cms
from hdr_studio.core.clipping import clip_overlay
from hdr_studio.core.gamut import convert_primaries
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import pq_encode, srgb_decode, srgb_encode
from tests.helpers import write
from tests.hosts.common import TAGGED, expected, make_photo, start_bridge, stop_bridge, tagged_photo

ROOT = Path(os.environ.get("HDR_STUDIO_GIMP_ROOT", "/var/cache/hdr-studio/gimp3-root"))
PQ_ICC = Path("/usr/share/color/icc/krita/ITUR_2100_PQ_FULL.ICC")  # Krita's PQ profile
pytestmark = [
    pytest.mark.hosts,
    pytest.mark.skipif(
        not (ROOT / "usr/bin/gimp-console-3.0").exists() or os.geteuid() != 0,
        reason=f"no GIMP 3 root at {ROOT} (tests/hosts/gimp3_root.sh builds it, as root)",
    ),
]
SCRIPT = Path(__file__).with_name("gimp_actions.py")
H, W = 160, 256


def inside(path: Path) -> str:
    return "/" + str(path.relative_to(ROOT))


def new_work() -> Path:
    return Path(tempfile.mkdtemp(prefix="hdr-studio-test-", dir=ROOT / "tmp"))


def run_gimp(work: Path, runs: list[dict], method: str = "", extra_env=()) -> dict:
    gimpdir = work / "gimp"
    if not gimpdir.exists():
        archive = plugins.package("gimp", work / "hdr-studio-gimp-plugin.zip")
        plugins.unpack(archive, gimpdir / "plug-ins")  # the user's plug-in folder layout
    out = work / "out"
    out.mkdir(exist_ok=True)
    for run in runs:
        run["photo"] = inside(Path(run["photo"]))
    spec = work / "spec.json"
    spec.write_text(json.dumps({"out": inside(out), "method": method, "runs": runs}))
    env = [
        "HOME=" + inside(work),
        "GIMP3_DIRECTORY=" + inside(gimpdir),
        "PATH=/usr/bin:/bin",
        "LANG=C.UTF-8",
        "HDR_STUDIO_RUNTIME_DIR=" + inside(work / "run"),
        "SPEC=" + inside(spec),
        *extra_env,
    ]
    cmd = ["chroot", str(ROOT), "env", "-i", *env, "gimp-console-3.0", "-i", "--quit"]
    cmd += ["--batch-interpreter=python-fu-eval", "-b", "-"]
    proc = subprocess.run(
        cmd, input=SCRIPT.read_bytes(), capture_output=True, timeout=900, check=False
    )
    (out / "gimp.log").write_bytes(proc.stdout + proc.stderr)
    assert (out / "result.json").exists(), proc.stderr.decode()[-3000:]
    result = json.loads((out / "result.json").read_text())
    assert result["ok"], result.get("error")
    result["out"], result["log"] = out, (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return result


def native(result: dict, run: str, action: str, dtype) -> np.ndarray:
    entry = result["runs"][run]["actions"][action]
    data = np.fromfile(result["out"] / entry["files"]["native"], dtype)
    return data.reshape(entry["height"], entry["width"], -1)


def linear(result: dict, run: str, action: str) -> np.ndarray:
    """The layer as linear float in sRGB primaries (GIMP's babl converts it)."""
    entry = result["runs"][run]["actions"][action]
    data = np.fromfile(result["out"] / entry["files"]["float"], np.float32)
    return data.reshape(entry["height"], entry["width"], 4)[..., :3]


def assert_half(got: np.ndarray, want: np.ndarray) -> None:
    """``got`` is ``want`` as half floats hold it: every value a half float, within half's
    rounding (2^-11 of the value) of the engine's float result."""
    np.testing.assert_array_equal(got, got.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(got, want, rtol=2**-11 + 1e-6, atol=1e-6)


def pq_photo(path: Path, photo: Path) -> Path:
    """The photo as 16-bit Rec.2020 PQ (SDR white at BT.2408's 203 cd/m²), tagged with
    Krita's PQ profile."""
    import OpenImageIO as oiio

    lin = convert_primaries(read_image(photo).linear, "rec709", "rec2020")
    code = np.rint(np.clip(pq_encode(lin * 203.0), 0, 1) * 65535).astype(np.uint16)
    icc = PQ_ICC.read_bytes()
    return write(
        path, code, ICCProfile=(oiio.TypeDesc(f"uint8[{len(icc)}]"), np.frombuffer(icc, np.uint8))
    )


@pytest.fixture(scope="module")
def gimp():
    work = new_work()
    photo = make_photo(work / "photo.png")
    tagged = {name: tagged_photo(work / f"{name}.png", name) for name in TAGGED}
    runs = [
        {
            "name": "photo",
            "photo": str(photo),
            "actions": [
                "clipping",
                "clipping_selection",
                "hdr",
                "sdr",
                "selection",
                "half",
                "overlay_then_hdr",
                "clipping_twice",
                "bad_thresholds",
                "none_sdr",
                "source",
                "mask",
                "declip_hdr",
                "grey",
                "sdr_multiply",
            ],
        },
        *[  # Image ▸ Precision: 64-bit float, 32-bit integer (no sample type of their own)
            {
                "name": name,
                "photo": str(photo),
                "precision": p,
                "actions": ["clipping", "sdr", "hdr"],
            }
            for name, p in (("double", "DOUBLE_NON_LINEAR"), ("u32", "U32_NON_LINEAR"))
        ],
        *[
            {
                "name": name,
                "photo": str(path),
                "actions": ["source", "clipping", "none_sdr", "none_hdr", "hdr"],
            }
            for name, (path, _) in tagged.items()
        ],
        {
            "name": "linear",
            "photo": str(photo),
            "float": True,
            "actions": ["source", "clipping", "none_hdr", "hdr"],
        },
    ]
    if PQ_ICC.exists():
        pq = pq_photo(work / "pq.png", photo)
        runs.append({"name": "pq", "photo": str(pq), "actions": ["source", "clipping", "sdr"]})
    start_bridge(work / "run")
    try:
        result = run_gimp(work, runs)
    finally:
        stop_bridge(work / "run")
    result["photo"], result["tagged"] = photo, tagged
    yield result
    shutil.rmtree(work, ignore_errors=True)


def rgba(result: dict, run: str, action: str) -> np.ndarray:
    """The layer as 32-bit float RGBA (linear, sRGB primaries), alpha included."""
    entry = result["runs"][run]["actions"][action]
    data = np.fromfile(result["out"] / entry["files"]["float"], np.float32)
    return data.reshape(entry["height"], entry["width"], 4)


def test_a_result_takes_its_layer_s_opacity_and_mode(gimp):
    """A result over a 50 % Multiply layer was a 100 % Normal layer: the picture changed."""
    entry = gimp["runs"]["photo"]["actions"]["sdr_multiply"]
    assert entry["layer"].startswith("HDR Studio")
    assert entry["opacity"] == pytest.approx(50.0) and entry["mode"] == "multiply"


@pytest.mark.parametrize("name", ["double", "u32"])
def test_double_and_32_bit_integer_images_get_the_same_layers(gimp, name):
    """A 64-bit float or 32-bit integer image: an SDR result failed and left an empty
    layer, Show clipping wrote 32-bit floats into a double or integer buffer (a blank or
    garbled overlay, reported done), an HDR result took a double image down to half. Each
    now gives what an 8-bit image gives, stored at the image's own precision."""
    run = gimp["runs"][name]["actions"]
    np.testing.assert_allclose(
        rgba(gimp, name, "clipping"), rgba(gimp, "photo", "clipping"), atol=1e-4
    )
    np.testing.assert_allclose(linear(gimp, name, "sdr"), linear(gimp, "photo", "sdr"), atol=0.01)
    np.testing.assert_allclose(
        linear(gimp, name, "hdr"), linear(gimp, "photo", "hdr"), rtol=0.01, atol=0.01
    )
    assert run["hdr"]["layers"][0].startswith("HDR Studio")
    assert len(run["sdr"]["layers"]) == 2  # the photo and the result: no empty layer
    want = "double-non-linear" if name == "double" else "half-linear"  # integers: as u8, u16
    assert run["hdr"]["precision"] == want and run["sdr"]["precision"].startswith(name)


def test_a_layer_mask_or_an_sdr_only_method_is_refused_before_any_change(gimp):
    """The layer mask active gave a protocol error (its one channel sent as three);
    DeclipNet with the default HDR result failed after the image was offered a conversion.
    Both now say what to do, and the image is left as it was."""
    actions = gimp["runs"]["photo"]["actions"]
    mask, declip = actions["mask"], actions["declip_hdr"]
    assert "layer mask is active" in mask["error"] and mask["layers_unchanged"]
    assert "SDR result only" in declip["error"] and "Result: SDR" in declip["error"]
    assert declip["layers_unchanged"] and not declip["dirty"]
    grey = actions["grey"]  # offered for greyscale images too, to say what to do
    assert "Image ▸ Mode ▸ RGB" in grey["error"] and grey["layers_unchanged"]


def test_gimp_procedures_match_the_command_line(gimp):
    result, photo = gimp, gimp["photo"]
    assert result["menu"] == ["<Image>/Filters/Enhance/HDR Studio"]
    image = read_image(photo)
    run = result["runs"]["photo"]

    overlay = native(result, "photo", "clipping", np.uint8)
    np.testing.assert_array_equal(overlay, clip_overlay(image.code, mode="all"))
    clipping = run["actions"]["clipping"]
    assert clipping["layer"] == "HDR Studio: Clipping"
    assert clipping["selected"] == ["Background"]  # the photo stays the active layer
    # with a selection, as GIMP's filters do: marked within it only (it covered the layer)
    inside = native(result, "photo", "clipping_selection", np.uint8)
    w = inside.shape[1] // 2
    np.testing.assert_array_equal(inside[:, :w], overlay[:, :w])
    assert overlay[:, w:, 3].max() == 255 and inside[:, w:, 3].max() == 0

    hdr = run["actions"]["hdr"]
    assert hdr["precision"] == "half-linear"  # the default HDR depth
    assert hdr["layer"].startswith("HDR Studio: ") and hdr["layer"].endswith(", 100 %")
    got = linear(result, "photo", "hdr")
    want = expected(photo, None)
    assert_half(got, want)
    assert got.max() > 1.0  # values above 1.0 survive in GIMP

    sdr = run["actions"]["sdr"]
    assert sdr["precision"] == "u8-non-linear"
    want = np.rint(np.clip(srgb_encode(expected(photo, None, "sdr")), 0, 1) * 255)
    np.testing.assert_array_equal(native(result, "photo", "sdr", np.uint8)[..., :3], want)

    got = linear(result, "photo", "selection")
    w = got.shape[1] // 2
    assert_half(got[:, :w], expected(photo, None)[:, :w])
    assert_half(got[:, w:], image.linear[:, w:])

    # 32-bit float asked: the engine's result to float precision
    half = reconstruct(ReconstructRequest(input=photo, strength=0.5, passes=3)).pixels
    np.testing.assert_allclose(linear(result, "photo", "half"), half, rtol=1e-6, atol=1e-6)
    assert run["actions"]["half"]["layer"].endswith(", 50 %")
    assert run["actions"]["half"]["precision"] == "float-linear"


def test_reconstruct_on_the_clipping_overlay_works_on_the_photo(gimp):
    """#32 defect 1: Reconstruct run with the overlay as the drawable."""
    got = linear(gimp, "photo", "overlay_then_hdr")
    assert_half(got, expected(gimp["photo"], None))


def test_show_clipping_again_replaces_its_overlay(gimp):
    """Show clipping run twice (the threshold changed): one overlay, the second's; they
    used to stack."""
    entry = gimp["runs"]["photo"]["actions"]["clipping_twice"]
    assert entry["layers"] == ["HDR Studio: Clipping", "Background"]
    image = read_image(gimp["photo"])
    want = clip_overlay(image.code, mode="all", over=200 / 255)
    assert want[..., 3].sum() > clip_overlay(image.code, mode="all")[..., 3].sum()
    np.testing.assert_array_equal(native(gimp, "photo", "clipping_twice", np.uint8), want)


def test_thresholds_under_above_over_are_refused_before_any_work(gimp):
    entry = gimp["runs"]["photo"]["actions"]["bad_thresholds"]
    assert "under-exposure threshold must be below" in entry["error"]
    assert entry["layers"] == ["Background"]


@pytest.mark.parametrize("name", ["photo", *TAGGED])
def test_integer_images_are_read_and_written_in_their_own_profile(gimp, name):
    """#32 defect 6: the drawable's own code values travel with the image's profile: the
    clipping overlay is the file's (Adobe RGB is not converted to sRGB first), an SDR result
    of ``none`` is the layer back, an HDR result is LittleCMS's conversion of it."""
    result = gimp
    codes = native(result, name, "source", np.uint8)[..., :3]
    np.testing.assert_array_equal(codes, np.rint(read_image(result["photo"]).code * 255))
    code = codes.astype(np.float32) / 255
    overlay = native(result, name, "clipping", np.uint8)
    np.testing.assert_array_equal(overlay, clip_overlay(code, mode="all"))
    back = native(result, name, "none_sdr", np.uint8)[..., :3].astype(int)
    if name == "photo":
        assert np.abs(back - codes).max() <= 1
        return
    profile = cms.Profile.from_icc(result["tagged"][name][1])
    in2020 = cms.convert(code, profile, cms.working("rec2020"))
    inside = (in2020.min(axis=2) >= -1e-3) & (in2020.max(axis=2) <= 1 + 1e-3)
    assert inside.mean() > (0.5 if name == "prophoto" else 0.99)
    assert np.abs(back - codes)[inside].max() <= (2 if name == "prophoto" else 1)
    assert result["runs"][name]["actions"]["none_hdr"]["precision"] == "half-linear"
    want = cms.convert(code, profile, cms.working("rec709"))
    np.testing.assert_allclose(linear(result, name, "none_hdr"), want, atol=2e-3)
    if name == "adobergb":  # the command line reads the same file the same way
        cli = reconstruct(ReconstructRequest(input=result["tagged"][name][0]))
        want = convert_primaries(cli.pixels, cli.image.primaries, "rec709")
        got = linear(result, name, "hdr")
        assert np.quantile(np.abs(got - want), 0.99) < 2e-3


def test_a_linear_float_image_is_hdr_input(gimp):
    result = gimp
    layer = linear(result, "linear", "source")
    np.testing.assert_allclose(layer, srgb_decode(read_image(result["photo"]).code), atol=1e-5)
    clipped = native(result, "linear", "clipping", np.float32)[..., 3] > 0
    want = clip_overlay(read_image(result["photo"]).code, mode="all")[..., 3] > 0
    assert np.mean(clipped != want) < 0.005
    np.testing.assert_allclose(linear(result, "linear", "none_hdr"), layer, atol=1e-5)
    diff = np.abs(linear(result, "linear", "hdr") - expected(result["photo"], None))
    assert np.quantile(diff, 0.99) < 1e-3 and diff.max() < 0.05


@pytest.mark.skipif(not PQ_ICC.exists(), reason="Krita's PQ profile is not installed")
def test_a_pq_image_is_judged_against_its_own_white(gimp):
    """A 16-bit Rec.2020 PQ image (SDR white at 203 cd/m²): the clipped sky is clipped."""
    result = gimp
    clipped = native(result, "pq", "clipping", np.uint16)[..., 3] > 0
    want = clip_overlay(read_image(result["photo"]).code, mode="all")[..., 3] > 0
    assert np.mean(clipped != want) < 0.005 and clipped.mean() > 0.01
    assert result["runs"]["pq"]["actions"]["sdr"]["precision"] == "u16-non-linear"


def _plugin_pids(work: Path) -> list[int]:
    """The HDR Studio plug-in processes of this test's GIMP (by their path in its folder)."""
    marker = str(inside(work / "gimp" / "plug-ins" / "hdr-studio" / "hdr-studio.py")).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _state(client, job: str) -> str:
    """A job's state; "gone" once the bridge has dropped it (a finished job nobody
    collected: this test's thread raised "no job …" in a slow run)."""
    try:
        return client.job(job)["state"]
    except bridge_client.BridgeError:
        return "gone"


def test_a_cancelled_reconstruction_leaves_the_image_clean():
    """#32 defect 9: GIMP ends a plug-in whose progress is cancelled. Here the plug-in is
    ended while it waits for its job (queued behind another): the image is not dirty, has
    no new layer, and GIMP does not warn that its undo is in an inconsistent state."""
    work = new_work()
    photo = make_photo(work / "photo.png")
    start_bridge(work / "run", "--jobs", "1")
    os.environ["HDR_STUDIO_RUNTIME_DIR"] = str(work / "run")
    try:
        client = bridge_client.connect(start=False)
        big = np.zeros((2000, 3000, 4), np.uint8)
        big[..., :3], big[:500, :, :3] = 128, 255
        header = {"width": 3000, "height": 2000, "channels": 4, "sample": "u8", "order": "RGBA"}
        blockers: list[str] = []
        done = threading.Event()

        def hold_and_kill():
            """Keep two jobs of ours in the bridge (one running, one queued) until the
            plug-in's job waits behind them, then end the plug-in at once."""
            killed = False
            while not done.is_set():
                states = {b: _state(client, b) for b in blockers}  # keeps their leases
                ours = sum(state in ("queued", "running") for state in states.values())
                while not killed and ours < 2:
                    blockers.append(client.submit(header, big.tobytes(), {"method": "classical"}))
                    ours += 1
                if not killed and client.health()["jobs"] > ours:
                    for pid in _plugin_pids(work):
                        os.kill(pid, 9)  # a plug-in process this test's GIMP started
                        killed = True
                time.sleep(0.05)

        killer = threading.Thread(target=hold_and_kill, daemon=True)
        killer.start()
        result = run_gimp(work, [{"name": "k", "photo": str(photo), "actions": ["killed"]}])
        done.set()
        for blocker in blockers:
            client.cancel(blocker)
    finally:
        os.environ.pop("HDR_STUDIO_RUNTIME_DIR", None)
        stop_bridge(work / "run")
    entry = result["runs"]["k"]["actions"]["killed"]
    assert entry["error"] is not None and entry["layers"] == ["Background"]
    assert entry["dirty"] is False
    assert "inconsistent" not in result["log"]
    shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow
def test_gimp_round_trip_through_the_app():
    work = new_work()
    photo = make_photo(work / "photo.png")
    app = f"{sys.executable} -m hdr_studio gui --reconstruct classical --send-back"
    start_bridge(work / "run", "--app-command", app)
    try:
        result = run_gimp(work, [{"name": "trip", "photo": str(photo), "actions": ["app"]}])
    finally:
        stop_bridge(work / "run")
    entry = result["runs"]["trip"]["actions"]["app"]
    assert entry["layer"] == "HDR Studio: Classical (no network), 100 %"
    assert entry["precision"] == "half-linear"
    assert_half(linear(result, "trip", "app"), expected(photo, "classical"))
    failing = work / "failing-app"
    failing.write_text("#!/bin/sh\necho 'cannot open display :0' >&2\nexit 1\n")
    failing.chmod(0o755)
    (result["out"] / "result.json").unlink()
    start_bridge(work / "run", "--app-command", str(failing))
    try:
        result = run_gimp(work, [{"name": "f", "photo": str(photo), "actions": ["app_fails"]}])
    finally:
        stop_bridge(work / "run")
    entry = result["runs"]["f"]["actions"]["app_fails"]
    assert "exited with status 1: cannot open display :0" in entry["error"]  # #32 defect 4
    assert entry["layers"] == ["Background"] and entry["dirty"] is False
    shutil.rmtree(work, ignore_errors=True)
