"""The Krita plug-in in real Krita 5 (Debian ``krita``) run headless by ``kritarunner``:
installed from its zip, it starts the bridge itself, and each action's layer is compared
with ``hdr-studio``'s own result for the same photo; the colour-managed path with six
profiles (sRGB, Display P3, Adobe RGB, ProPhoto, Rec.2020 PQ in F32 and U16, linear Rec.709
float). One Krita start serves all of these checks (a start costs ~15 s). Skipped where
Krita is not installed (``make hosts`` installs it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.bridge import plugins
from hdr_studio.core import cms
from hdr_studio.core.clipping import clip_overlay, clip_stats
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import pq_decode, srgb_decode, srgb_encode
from tests.hosts.common import HDR_STUDIO, TAGGED, expected, make_photo, stop_bridge, tagged_photo

pytestmark = [
    pytest.mark.hosts,
    pytest.mark.skipif(shutil.which("kritarunner") is None, reason="Krita is not installed"),
]
SCRIPT = Path(__file__).with_name("krita_actions.py")
PQ = "High Dynamic Range UHDTV Wide Color Gamut Display (Rec. 2020) - SMPTE ST 2084 PQ EOTF"
KRITA_WHITE = 80.0


def krita_env(tmp: Path, pykrita: Path) -> dict:
    return {
        "HOME": str(tmp / "home"),
        "PATH": "/usr/bin:/bin",  # as from the desktop menu: no hdr-studio on PATH
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(pykrita),
        "HDR_STUDIO_RUNTIME_DIR": str(tmp / "run"),
        "XDG_STATE_HOME": str(tmp / "state"),
    }


def run_krita(tmp: Path, runs: list[dict], method: str | None = None) -> dict:
    """One kritarunner start running ``runs``; the plug-in is installed by ``hdr-studio
    plugins install`` (it records the command: no HDR_STUDIO_COMMAND, no PATH needed)."""
    pykrita = tmp / "pykrita"
    if not pykrita.exists():
        plugins.install("krita", pykrita)
        shutil.copy(SCRIPT, pykrita / SCRIPT.name)
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    spec = tmp / "spec.json"
    spec.write_text(json.dumps({"out": str(out), "method": method, "runs": runs}))
    proc = subprocess.run(
        ["kritarunner", "-s", "krita_actions", "-f", "main", str(spec)],
        env=krita_env(tmp, pykrita),
        capture_output=True,
        timeout=900,
        check=False,
    )
    assert (out / "result.json").exists(), proc.stderr.decode()[-3000:]
    result = json.loads((out / "result.json").read_text())
    assert result["ok"], result.get("error")
    result["out"] = out
    return result


def pixels(result: dict, run: str, action: str, dtype) -> np.ndarray:
    entry = result["runs"][run]["actions"][action]
    data = np.fromfile(result["out"] / entry["file"], dtype)
    return data.reshape(entry["height"], entry["width"], 4)


def source(result: dict, run: str, dtype, shape) -> np.ndarray:
    return np.fromfile(result["out"] / f"{run}-source.raw", dtype).reshape(*shape, 4)


@pytest.fixture(scope="module")
def krita(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("krita")
    photo = make_photo(tmp / "photo.png")
    tagged = {name: tagged_photo(tmp / f"{name}.png", name) for name in TAGGED}
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
                "cancel",
                "not_paint",
                "none_sdr",
            ],
        },
        *[
            {"name": name, "photo": str(path), "actions": ["clipping", "none_sdr", "none_hdr"]}
            for name, (path, _) in tagged.items()
        ],
        {
            "name": "pq",
            "photo": str(photo),
            "convert": ["F32", PQ],
            "actions": ["clipping", "none_hdr", "hdr"],
        },
        {
            "name": "pq16",
            "photo": str(photo),
            "convert": ["U16", PQ],
            "actions": ["clipping", "hdr"],
        },
        {"name": "layer16", "photo": str(photo), "actions": ["layer_space", "clipping"]},
        {
            "name": "linear",
            "photo": str(photo),
            "convert": ["F32", "sRGB-elle-V2-g10.icc"],
            "actions": ["clipping", "none_hdr", "hdr"],
        },
    ]
    try:
        result = run_krita(tmp, runs)
    finally:
        stop_bridge(tmp / "run")
    result["photo"], result["tagged"], result["tmp"] = photo, tagged, tmp
    return result


def test_krita_actions_match_the_command_line(krita):
    result, photo = krita, krita["photo"]
    assert result["health"]["status"] == "ok"  # the plug-in started the bridge itself
    run = result["runs"]["photo"]
    assert run["document"] == {"depth": "U8", "profile": "sRGB-elle-V2-srgbtrc.icc"}
    image = read_image(photo)

    overlay = pixels(result, "photo", "clipping", np.uint8)
    want = clip_overlay(image.code, mode="all")
    np.testing.assert_array_equal(overlay[..., [2, 1, 0, 3]], want)  # Krita's U8 is BGRA
    assert run["actions"]["clipping"]["stats"]["over_any"] > 0.01
    assert run["actions"]["clipping"]["name"] == "HDR Studio: Clipping"
    # with a selection, as Krita's filters do: marked within it only (it covered the layer)
    inside = pixels(result, "photo", "clipping_selection", np.uint8)
    w = inside.shape[1] // 2
    np.testing.assert_array_equal(inside[:, :w], overlay[:, :w])
    assert overlay[:, w:, 3].max() == 255 and inside[:, w:, 3].max() == 0
    # run again, the second overlay replaced the first's pixels (they used to stack)
    layers = run["actions"]["clipping_selection"]["document_layers"]
    assert layers[:2] == ["Background", "HDR Studio: Clipping"]
    assert layers.count("HDR Studio: Clipping") == 1

    hdr = run["actions"]["hdr"]
    assert hdr["new_document"] and hdr["depth"] == "F16"  # the default: 16-bit float
    assert hdr["profile"] == "sRGB-elle-V2-g10.icc"
    label = f"HDR Studio: {hdr['status']['label']}, 100 %"
    assert hdr["name"] == "HDR Layer" and hdr["document_name"] == f"photo – {label}"
    assert hdr["progress_updates"] >= 1 and hdr["exported"]
    got = pixels(result, "photo", "hdr", np.float16)[..., :3]
    want = expected(photo, None)
    np.testing.assert_array_equal(got, want.astype(np.float16))  # the result, as half floats
    assert got.max() > 1.0  # values above 1.0 survive in Krita
    saved = read_image(result["out"] / "photo-hdr.exr")
    np.testing.assert_allclose(saved.linear, want, rtol=2e-3, atol=1e-3)  # EXR: half floats
    import OpenImageIO as oiio

    exr = oiio.ImageInput.open(str(result["out"] / "photo-hdr.exr"))
    assert exr.spec().channelnames == ("R", "G", "B", "A")  # not "<layer name>.R"
    exr.close()

    sdr = run["actions"]["sdr"]
    assert not sdr["new_document"] and sdr["depth"] == "U8" and sdr["name"] == label
    got = pixels(result, "photo", "sdr", np.uint8)[..., [2, 1, 0]]
    want = np.rint(np.clip(srgb_encode(expected(photo, None, "sdr")), 0, 1) * 255)
    np.testing.assert_array_equal(got, want.astype(np.uint8))

    got = pixels(result, "photo", "selection", np.float16)[..., :3]
    w = got.shape[1] // 2
    np.testing.assert_array_equal(got[:, :w], expected(photo, None)[:, :w].astype(np.float16))
    outside = image.linear[:, w:].astype(np.float16)
    np.testing.assert_array_equal(got[:, w:], outside)  # outside: untouched

    from hdr_studio.api import ReconstructRequest, reconstruct

    half = reconstruct(ReconstructRequest(input=photo, strength=0.5, passes=3)).pixels
    np.testing.assert_allclose(
        pixels(result, "photo", "half", np.float32)[..., :3], half, atol=1e-6
    )
    assert run["actions"]["half"]["document_name"].endswith(", 50 %")
    assert run["actions"]["half"]["depth"] == "F32"  # asked for: 32-bit float
    # unsaved results: Krita asks before closing them, and the second does not take the
    # first's file name (saving it replaced the first)
    assert hdr["modified"] and run["actions"]["half"]["modified"]
    names = [Path(run["actions"][a]["file_name"]).name for a in ("hdr", "half")]
    assert names[0] == "photo-hdr.kra" and names[1] != names[0], names


def test_a_layer_converted_on_its_own_gets_results_in_its_colour_space(krita):
    """A 16-bit layer in an 8-bit document got a result layer of scrambled pixels: the
    bridge sent the layer's format, the new layer took the document's. The result also
    takes the layer's opacity and blending mode."""
    run = krita["runs"]["layer16"]["actions"]
    for action in ("layer_space", "clipping"):
        assert run[action]["depth"] == "U16" and run[action]["document_depth"] == "U8"
    got = pixels(krita, "layer16", "layer_space", np.uint16).astype(np.int64)
    converted = krita["out"] / "layer16-layer_space-converted.raw"
    want = np.fromfile(converted, np.uint16).reshape(got.shape).astype(np.int64)
    assert np.abs(got - want).max() <= 2  # the photo as it was: method none
    # in the layer's place: its opacity and blending mode (it was 100 % Normal)
    assert (run["layer_space"]["opacity"], run["layer_space"]["blending"]) == (128, "multiply")
    assert (run["clipping"]["opacity"], run["clipping"]["blending"]) == (255, "normal")
    overlay = pixels(krita, "layer16", "clipping", np.uint16)
    assert overlay[..., 3].max() == 65535 and overlay[..., 2].max() == 65535  # red, BGRA


def test_reconstruct_after_show_clipping_works_on_the_photo_not_the_overlay(krita):
    """#32 defect 1: Show clipping, then Reconstruct with the overlay active."""
    got = pixels(krita, "photo", "overlay_then_hdr", np.float16)[..., :3]
    np.testing.assert_array_equal(got, expected(krita["photo"], None).astype(np.float16))


def test_cancel_leaves_the_document_as_it_was(krita):
    entry = krita["runs"]["photo"]["actions"]["cancel"]
    assert entry["state"] == "cancelled" and not entry["placed"] and entry["layers_unchanged"]


def test_a_layer_without_pixels_of_its_own_is_named_not_a_protocol_error(krita):
    """A group, vector or fill layer or a mask, active, gave "body has 0 pixel bytes, the
    header describes …"; each is now named with what to do, and nothing is added."""
    entry = krita["runs"]["photo"]["actions"]["not_paint"]
    assert entry["layers_unchanged"]
    for name, what in (
        ("group", "a group layer"),
        ("vector", "a vector layer"),
        ("fill", "a fill layer"),
    ):
        assert entry[name] is not None and what in entry[name] and "Paint Layer" in entry[name]
    assert "transparency mask" in entry["mask"] and "layer it belongs to" in entry["mask"]


@pytest.mark.parametrize("name", ["photo", *TAGGED])
def test_integer_profiles_are_read_and_written_by_profile(krita, name):
    """sRGB, Display P3, Adobe RGB, ProPhoto (U8, the profile embedded in the file): the
    clipping overlay is the file's own code values' (not a conversion to sRGB), an SDR
    result of ``none`` gives the layer back, and an HDR result is LittleCMS's linear
    Rec.2020 (Rec.709 for sRGB) of the layer."""
    run = krita["runs"][name]
    if name != "photo":
        assert run["document"]["profile"] == TAGGED[name]
    layer = source(krita, name, np.uint8, (160, 256))[..., [2, 1, 0]]
    overlay = pixels(krita, name, "clipping", np.uint8)[..., [2, 1, 0, 3]]
    code = layer.astype(np.float32) / 255
    np.testing.assert_array_equal(overlay, clip_overlay(code, mode="all"))
    assert run["actions"]["clipping"]["stats"] == json.loads(json.dumps(clip_stats(code).to_dict()))
    back = pixels(krita, name, "none_sdr", np.uint8)[..., [2, 1, 0]]
    assert run["actions"]["none_sdr"]["same_document"]
    if name == "photo":
        assert np.abs(back.astype(int) - layer).max() <= 1
        return
    hdr = run["actions"]["none_hdr"]
    assert not hdr["same_document"] and hdr["profile"] == "Rec2020-elle-V4-g10.icc"
    profile = cms.Profile.from_icc(krita["tagged"][name][1])
    want = cms.convert(code, profile, cms.working("rec2020"))
    assert hdr["depth"] == "F16"
    got = pixels(krita, name, "none_hdr", np.float16)[..., :3].astype(np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-4)  # half floats: 11 bits
    # An SDR result comes back in the layer's profile: the layer itself, where its colours
    # lie inside the Rec.2020 working space (ProPhoto's most saturated ones do not: they are
    # carried above 1.0 there, and an SDR result tone-maps them).
    inside = (want.min(axis=2) >= -1e-3) & (want.max(axis=2) <= 1 + 1e-3)
    assert inside.mean() > (0.5 if name == "prophoto" else 0.99)
    # (ProPhoto: its colours above 1.0 raise the picture's peak, and the SDR tone curve
    # that fits that peak under white moves the brightest in-gamut colours by a level)
    assert np.abs(back.astype(int) - layer)[inside].max() <= (2 if name == "prophoto" else 1)


@pytest.mark.parametrize(("name", "dtype"), [("pq", np.float32), ("pq16", np.uint16)])
def test_a_pq_canvas_is_hdr_input_and_results_stay_in_it(krita, name, dtype):
    """#32 defect 7: a Rec.2020 PQ canvas (Krita's SDR white at 80 cd/m²) is judged
    against its own white (the photo's clipped sky is clipped), and the reconstruction
    lands on the same canvas in PQ with highlights above that white."""
    run = krita["runs"][name]
    assert run["document"]["profile"] == PQ
    photo_code = read_image(krita["photo"]).code
    overlay = pixels(krita, name, "clipping", dtype)
    clipped = overlay[..., 3] > 0
    want = clip_overlay(photo_code, mode="all")[..., 3] > 0
    assert np.mean(clipped != want) < 0.005 and clipped.mean() > 0.01
    hdr = run["actions"]["hdr"]
    assert not hdr["new_document"]
    assert hdr["profile"] == PQ and hdr["depth"] == ("F32" if name == "pq" else "U16")
    code = pixels(krita, name, "hdr", dtype)[..., :3].astype(np.float32)
    if dtype == np.uint16:
        code /= 65535
    nits = pq_decode(code)
    white = KRITA_WHITE
    assert nits[want].mean() > 1.2 * white  # recovered highlights above the canvas's white
    layer = source(krita, name, dtype, (160, 256))[..., :3].astype(np.float32)
    layer = layer / 65535 if dtype == np.uint16 else layer
    calm = ~want & (photo_code.max(axis=2) < 0.8)
    np.testing.assert_allclose(code[calm], layer[calm], atol=2e-3)  # unclipped: as it was
    if name == "pq":
        none = pixels(krita, name, "none_hdr", np.float32)[..., :3]
        assert run["actions"]["none_hdr"]["same_document"]
        np.testing.assert_allclose(none, layer, atol=1e-4)


def test_a_linear_float_canvas_is_hdr_input_and_results_stay_in_it(krita):
    run = krita["runs"]["linear"]
    assert run["document"] == {"depth": "F32", "profile": "sRGB-elle-V2-g10.icc"}
    layer = source(krita, "linear", np.float32, (160, 256))[..., :3]
    np.testing.assert_allclose(layer, srgb_decode(read_image(krita["photo"]).code), atol=1e-4)
    none = pixels(krita, "linear", "none_hdr", np.float32)[..., :3]
    assert run["actions"]["none_hdr"]["same_document"]
    np.testing.assert_allclose(none, layer, atol=1e-6)
    got = pixels(krita, "linear", "hdr", np.float32)[..., :3]
    diff = np.abs(got - expected(krita["photo"], None))  # Krita's float copy: ±1e-5 apart
    assert np.quantile(diff, 0.99) < 1e-3 and diff.max() < 0.05
    assert got.max() > 1.0


def test_krita_without_hdr_studio_on_path_uses_the_recorded_command(krita):
    """#32 defect 10: Krita here has PATH=/usr/bin:/bin and no HDR_STUDIO_COMMAND; the
    plug-in started the bridge with the command ``plugins install`` recorded."""
    recorded = json.loads(
        (krita["tmp"] / "pykrita" / "hdr_studio_krita" / "hdr_studio_command.json").read_text()
    )
    assert recorded["command"] == [HDR_STUDIO]
    assert krita["health"]["status"] == "ok"


@pytest.mark.slow
def test_krita_round_trip_through_the_app(tmp_path):
    """Open in HDR Studio: the bridge starts the real app (offscreen, scripted to
    reconstruct with classical and press Send back), the result comes back as a layer; an
    app that cannot start is an error with its reason, and the document is unchanged."""
    import sys

    from tests.hosts.common import start_bridge

    photo = make_photo(tmp_path / "photo.png")
    app = f"{sys.executable} -m hdr_studio gui --reconstruct classical --send-back"
    bridge = start_bridge(tmp_path / "run", "--app-command", app)
    try:
        result = run_krita(tmp_path, [{"name": "trip", "photo": str(photo), "actions": ["app"]}])
    finally:
        stop_bridge(tmp_path / "run")
        bridge.wait(30)
    entry = result["runs"]["trip"]["actions"]["app"]
    assert entry["returned"] and entry["document_name"] == (
        "photo – HDR Studio: Classical (no network), 100 %"
    )
    assert entry["new_document"] and entry["depth"] == "F16"
    got = pixels(result, "trip", "app", np.float16)[..., :3]
    np.testing.assert_array_equal(got, expected(photo, "classical").astype(np.float16))

    broken = f"{sys.executable} -c \"import sys; sys.exit('cannot open display :0')\""
    (tmp_path / "out" / "result.json").unlink()
    bridge = start_bridge(tmp_path / "run", "--app-command", broken)
    try:
        result = run_krita(
            tmp_path, [{"name": "fails", "photo": str(photo), "actions": ["app_fails"]}]
        )
    finally:
        stop_bridge(tmp_path / "run")
        bridge.wait(30)
    entry = result["runs"]["fails"]["actions"]["app_fails"]
    assert "exited with status 1: cannot open display :0" in entry["error"]  # #32 defect 4
    assert entry["layers"] == ["Background"]
