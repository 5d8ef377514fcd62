"""The command line, end to end on real files. Most cases call ``main()`` in-process (fast);
a few run the installed entry point to check real exit codes and stderr."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hdr_studio import __version__
from hdr_studio.cli import main
from hdr_studio.core.reader import read_image
from tests.helpers import CLI, SAMPLES, gradient, run_without, write

SAMPLE = SAMPLES / "sunset_lomiri.jpg"


def run(argv, capsys):
    """Run the CLI in-process; argparse's own exits count as return codes."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and f"hdr-studio {__version__}" in out
    assert "OpenImageIO" in out and "torch" in out and "networks run on: CPU" in out
    for sub in ("analyze", "reconstruct", "decompose"):
        with pytest.raises(SystemExit) as e:
            main([sub, "--help"])
        assert e.value.code == 0
        assert "usage: hdr-studio " + sub in capsys.readouterr().out


def test_analyze_text_json_and_overlay(tmp_path, capsys):
    code, out, _ = run(["analyze", SAMPLE], capsys)
    assert code == 0 and "over-exposed" in out and "regions" in out
    code, out, _ = run(["analyze", SAMPLE, "--json", "--over", "245"], capsys)
    d = json.loads(out)
    assert d["over_threshold"] == pytest.approx(245 / 255)
    assert 0 < d["over_any"] < 1 and d["over_regions"] > 0 and d["transfer"] == "srgb"
    ov = tmp_path / "ov.png"
    code, _, _ = run(["analyze", SAMPLE, "--overlay", ov, "--mode", "channel"], capsys)
    assert code == 0 and read_image(ov).alpha is not None
    for bad in ("ov.jpg", "ov.avif"):  # a .jpg came out opaque and black; .avif named a temp
        code, _, err = run(["analyze", SAMPLE, "--overlay", tmp_path / bad], capsys)
        assert code == 3 and "name it .png" in err and not (tmp_path / bad).exists()


def test_reconstruct_every_default_format(tmp_path, capsys):
    for ext in ("png", "avif", "jxl", "jpg", "exr", "tif", "hdr"):
        out = tmp_path / f"r.{ext}"
        code, stdout, err = run(["reconstruct", SAMPLE, "-o", out], capsys)
        assert code == 0, err
        assert "wrote" in stdout
        assert read_image(out).linear.max() > 1.5, ext  # HDR in every HDR container


def test_reconstruct_none_is_linearise_only(tmp_path, capsys):
    out = tmp_path / "n.exr"
    assert run(["reconstruct", SAMPLE, "-o", out, "--method", "none"], capsys)[0] == 0
    np.testing.assert_allclose(read_image(out).linear, read_image(SAMPLE).linear, atol=1e-3)


def test_reconstruct_options(tmp_path, capsys):
    out = tmp_path / "s.jpg"
    code, _, _ = run(
        ["reconstruct", SAMPLE, "-o", out, "--format", "jpeg-sdr", "--quality", "80"], capsys
    )
    assert code == 0 and read_image(out).transfer == "srgb"
    out = tmp_path / "p.png"
    code, _, _ = run(
        ["reconstruct", SAMPLE, "-o", out, "--reference-white", "100", "--peak-nits", "600"], capsys
    )
    assert code == 0


def test_sdr_exposure_reaches_an_sdr_output(tmp_path, capsys):
    """The app's Export dialog had an SDR exposure the command line lacked."""
    means = {}
    for stops in ("0", "-1"):
        out = tmp_path / f"e{stops}.png"
        args = ["reconstruct", SAMPLE, "--method", "classical", "-o", out, "--format", "png-sdr"]
        code, _, _ = run([*args, "--sdr-exposure", stops], capsys)
        assert code == 0
        means[stops] = float(read_image(out).linear.mean())
    assert means["-1"] < 0.7 * means["0"]


def test_decompose_writes_layers(tmp_path, capsys):
    d = tmp_path / "layers"
    code, _out, _ = run(["decompose", SAMPLE, "-o", d], capsys)
    assert code == 0
    for name in ("base.exr", "detail.exr", "base.png", "detail.png", "mask.png"):
        assert (d / name).stat().st_size > 0
    code, _, err = run(["decompose", SAMPLE, "-o", d], capsys)
    assert code == 3 and "--force" in err
    assert run(["decompose", SAMPLE, "-o", d, "--force"], capsys)[0] == 0
    # a photo named as one of the layers: refused before any layer is written (base.exr
    # and detail.exr were written before base.png was refused as the source)
    inside = tmp_path / "inside"
    inside.mkdir()
    photo = inside / "base.png"
    photo.write_bytes((d / "base.png").read_bytes())
    code, _, err = run(["decompose", photo, "-o", inside, "--force"], capsys)
    assert code == 3 and "refusing to overwrite the source" in err
    assert sorted(p.name for p in inside.iterdir()) == ["base.png"]


def _bad_inputs(tmp_path):
    from tests.core.test_reader import _png_claiming

    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.png").write_text("hello")
    good = write(tmp_path / "good.jpg", (gradient() * 255).astype(np.uint8)).read_bytes()
    (tmp_path / "trunc.jpg").write_bytes(good[: len(good) // 3])
    (tmp_path / "huge.png").write_bytes(_png_claiming(90_000, 90_000))
    return {
        "missing": tmp_path / "missing.jpg",
        "zero bytes": tmp_path / "empty.jpg",
        "non-image": tmp_path / "text.png",
        "truncated": tmp_path / "trunc.jpg",
        "absurd dimensions": tmp_path / "huge.png",
    }


@pytest.mark.parametrize("command", ["analyze", "reconstruct", "decompose"])
def test_bad_input_is_one_line_exit_2_no_output(tmp_path, capsys, command):
    for name, path in _bad_inputs(tmp_path).items():
        out = tmp_path / f"out_{command}.png"
        argv = [command, path] + (
            {"analyze": [], "reconstruct": ["-o", out], "decompose": ["-o", tmp_path / "dir"]}[
                command
            ]
        )
        code, _, err = run(argv, capsys)
        assert code == 2, (name, err)
        assert err.count("\n") == 1 and "Traceback" not in err and "error:" in err, (name, err)
        assert not out.exists() and not (tmp_path / "dir").exists(), name


def test_supported_oddities_work_with_warnings(tmp_path, capsys):
    from PIL import Image as PILImage

    q = (gradient() * 255).astype(np.uint8)
    q[:8] = 255  # some clipping
    hdr = gradient().astype(np.float32) * 3
    hdr[0, 0, 0] = np.nan
    files = {
        "grey.png": write(tmp_path / "grey.png", q[..., :1]),
        "rgba.png": write(tmp_path / "rgba.png", np.concatenate([q, q[..., :1]], axis=2)),
        "16bit.tif": write(tmp_path / "16bit.tif", q.astype(np.uint16) * 257),
        "nan.exr": write(tmp_path / "nan.exr", hdr),
    }
    PILImage.fromarray(q).convert("P").save(tmp_path / "pal.png")
    PILImage.fromarray(q).convert("CMYK").save(tmp_path / "cmyk.jpg")
    files["pal.png"] = tmp_path / "pal.png"
    files["cmyk.jpg"] = tmp_path / "cmyk.jpg"
    for name, path in files.items():
        out = tmp_path / f"{name}.out.exr"
        code, _, err = run(["reconstruct", path, "-o", out], capsys)
        assert code == 0, (name, err)
        assert "Traceback" not in err
        assert np.isfinite(read_image(out).linear).all()
        if name in ("grey.png", "nan.exr", "cmyk.jpg"):
            assert "warning:" in err, name


def test_output_refusals_exit_3(tmp_path, capsys):
    src = tmp_path / "src.jpg"
    src.write_bytes(SAMPLE.read_bytes())
    before = _digest(src)
    for argv in (
        ["reconstruct", src, "-o", src],
        ["reconstruct", src, "-o", src, "--force", "--format", "jpeg-sdr"],
        ["reconstruct", src, "-o", tmp_path / "x.bmp"],
        ["reconstruct", src, "-o", tmp_path / "missing_dir" / "x.png"],
    ):
        code, _, err = run(argv, capsys)
        assert code == 3, (argv, err)
        assert err.count("\n") == 1
    assert _digest(src) == before
    existing = tmp_path / "e.png"
    existing.write_bytes(b"old")
    code, _, err = run(["reconstruct", src, "-o", existing], capsys)
    assert code == 3 and "--force" in err and existing.read_bytes() == b"old"


def test_the_first_error_said_is_the_real_one(tmp_path, capsys):
    """A missing input is reported as such even when the output already exists; an unknown
    model before a missing validation set; a folder that cannot be made is one line, exit 3."""
    existing = tmp_path / "e.png"
    existing.write_bytes(b"old")
    code, _, err = run(["reconstruct", tmp_path / "typo.jpg", "-o", existing], capsys)
    assert code == 2 and "typo.jpg: no such file" in err
    code, _, err = run(["calibrate", "magic", "--set", tmp_path / "none"], capsys)
    assert code == 2 and "unknown model 'magic'" in err
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    code, _, err = run(["decompose", SAMPLE, "-o", blocker], capsys)
    assert code == 3 and err.count("\n") == 1 and "not a directory" in err


def test_usage_errors_exit_2(tmp_path, capsys):
    for argv in (
        ["reconstruct", SAMPLE, "-o", tmp_path / "a.png", "--method", "magic"],
        ["reconstruct", SAMPLE, "-o", tmp_path / "a.png", "--peak-nits", "10"],
        ["analyze", SAMPLE, "--over", "-3"],
        ["analyze", SAMPLE, "--over", "0.5", "--under", "0.6"],
        ["reconstruct", SAMPLE],
        ["nonsense"],
    ):
        code, _, err = run(argv, capsys)
        assert code == 2, argv
        assert err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    assert not (tmp_path / "a.png").exists()


def test_max_pixels_option(tmp_path, capsys):
    code, _, err = run(["analyze", SAMPLE, "--max-pixels", "1000"], capsys)
    assert code == 2 and "--max-pixels" in err


def test_installed_entry_point_real_process(tmp_path):
    """The console script and ``python -m`` in a real process: exit codes, stderr, piping."""
    exe = [sys.executable, "-m", "hdr_studio"]
    r = subprocess.run([*exe, "--version"], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and __version__ in r.stdout
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    r = subprocess.run(
        [*exe, "reconstruct", tmp_path / "bad.jpg", "-o", tmp_path / "o.png"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    out = tmp_path / "o.exr"
    r = subprocess.run(
        [*exe, "reconstruct", SAMPLE, "-o", out], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0 and out.exists()
    assert "\r" not in r.stderr  # no progress bar when not on a terminal
    # The default method loads torch; interpreter teardown then made nanobind (OpenImageIO's
    # bindings) print a leak report of 100+ lines after every network run.
    assert "nanobind" not in r.stderr and "leaked" not in r.stderr, r.stderr[:300]


def test_progress_bar_draws_on_a_terminal_only():
    import io

    from hdr_studio.cli import TerminalProgress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = TerminalProgress("classical", stream)
        for f in (0.0, 0.5, 1.0):
            bar(f, "step")
    assert "\r" in tty.getvalue() and "100.0%" in tty.getvalue() and tty.getvalue().endswith("\n")
    assert pipe.getvalue() == ""


def test_gif_and_bad_orientation_are_one_line_not_internal_errors(tmp_path, capsys):
    from PIL import Image as PILImage

    a = np.full((20, 30, 3), 128, np.uint8)
    PILImage.fromarray(a).save(tmp_path / "a.gif")
    im = PILImage.fromarray(a)
    exif = im.getexif()
    exif[0x0112] = 99
    im.save(tmp_path / "o.jpg", exif=exif)
    for name in ("a.gif", "o.jpg"):
        code, _, err = run(["analyze", tmp_path / name], capsys)
        assert code == 0, err
        assert "internal error" not in err
        code, _, err = run(["reconstruct", tmp_path / name, "-o", tmp_path / f"{name}.exr"], capsys)
        assert code == 0 and "internal error" not in err, err


def test_missing_extras_are_one_line_with_what_to_install(tmp_path):
    """A base install without the [gui] and [nets] extras."""
    missing = ("torch", "PySide6", "pyqtgraph")
    src = str(SAMPLE)
    gui = run_without(missing, CLI, "gui")
    assert gui.returncode == 2 and "pip install 'hdr-studio[gui]'" in gui.stderr
    assert len(gui.stderr.strip().splitlines()) == 1
    net = run_without(
        missing, CLI, "reconstruct", src, "-o", str(tmp_path / "o.exr"), "--method", "masked"
    )
    assert net.returncode == 2 and "pip install 'hdr-studio[nets]'" in net.stderr
    ok = run_without(missing, CLI, "reconstruct", src, "-o", str(tmp_path / "c.exr"))
    assert ok.returncode == 0, ok.stderr  # the default falls back to the classical engine
    assert "method classical" in ok.stdout


DAMAGED_EXR = sorted((Path(__file__).parent / "data" / "openexr-damaged").glob("*.exr"))


def test_damaged_openexr_files_are_one_line_exit_2_nothing_written(tmp_path, capsys):
    """OpenEXR's own fuzzer-found files whose reader message is not UTF-8 (it quotes the
    file's bytes): they stopped the CLI with 'internal error: UnicodeDecodeError'."""
    assert len(DAMAGED_EXR) == 28
    for path in DAMAGED_EXR:
        out = tmp_path / "o.exr"
        for argv in (
            ["analyze", path],
            ["reconstruct", path, "-o", out, "--method", "classical"],
        ):
            code, _, err = run(argv, capsys)
            assert code == 2, (path.name, err)
            assert err.count("\n") == 1 and "not a readable image" in err, (path.name, err)
            assert "internal error" not in err and "\ufffd" not in err.split(path.name)[0]
            assert not out.exists()


def test_a_level_is_a_whole_number_up_to_255(tmp_path, capsys):
    """``--over 250`` is level 250/255; 1.5 or 256 is neither a code value nor a level (1.5
    once read as 1.5/255 and filled the whole photo)."""
    for value in ("1.5", "256", "250.5"):
        for cmd in (["reconstruct", SAMPLE, "-o", tmp_path / "a.exr"], ["analyze", SAMPLE]):
            code, _, err = run([*cmd, "--over", value], capsys)
            assert code == 2 and "whole level 2–255" in err and err.count("\n") == 1, err
    assert not (tmp_path / "a.exr").exists()


def test_settings_a_job_does_not_read_are_named(tmp_path, capsys):
    """The over-exposure threshold is the classical method's; export options a format does
    not take (quality for PNG, the invented channel for PNG) say so."""
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", tmp_path / "a.exr", "--method", "none", "--over", "200"],
        capsys,
    )
    assert code == 0 and "used by the classical method only" in err and "by none" in err
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", tmp_path / "b.exr", "--method", "classical", "--over", "200"],
        capsys,
    )
    assert code == 0 and "note" not in err
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", tmp_path / "c.png", "--method", "none",
         "--invented-channel", "--quality", "50"],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "invented channel does not apply to png-pq" in err
    assert "quality does not apply to png-pq" in err
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", tmp_path / "d.avif", "--method", "none", "--quality", "50"],
        capsys,
    )
    assert code == 0 and "note" not in err
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", tmp_path / "e.jxl", "--method", "none", "--quality", "50"],
        capsys,
    )
    assert code == 0 and "note" not in err  # JPEG XL takes it (lossy below 100)
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", tmp_path / "f.exr", "--method", "classical",
         "--passes", "3", "--tile", "256"],
        capsys,
    )  # fmt: skip
    assert code == 0 and "passes is a network setting (not used by classical)" in err
    assert "tile is a network setting" in err


def test_output_folder_problems_are_one_line(tmp_path, capsys, monkeypatch):
    """A file where a folder should be; a folder one cannot write in (simulated: the tests
    may run as root, whom permissions do not stop, so ``os.access`` is told no)."""
    code, _, err = run(["reconstruct", SAMPLE, "-o", tmp_path / "f.jpg" / "x.exr"], capsys)
    assert code == 3 and "folder" in err  # no such folder (f.jpg does not exist)
    (tmp_path / "f.jpg").write_bytes(b"")
    code, _, err = run(["reconstruct", SAMPLE, "-o", tmp_path / "f.jpg" / "x.exr"], capsys)
    assert code == 3 and "f.jpg is a file, not a folder" in err
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == ro else real(p, m))
    for argv in (
        ["reconstruct", SAMPLE, "-o", ro / "a.exr", "--method", "none"],
        ["analyze", SAMPLE, "--overlay", ro / "o.png"],
        ["batch", SAMPLE, "-o", ro, "--method", "none"],
    ):
        code, _, err = run(argv, capsys)
        assert code == 3 and "no write permission" in err and err.count("\n") == 1, (argv, err)
        assert "internal error" not in err
    assert list(ro.iterdir()) == []


def test_a_pixel_limit_reads_as_a_person_would_say_it(capsys):
    code, _, err = run(["analyze", SAMPLE, "--max-pixels", "1000"], capsys)
    assert code == 2 and "= 0.96 MP, above the limit of 1,000 pixels" in err


@pytest.mark.parametrize("ext", ["png", "jxl", "exr", "avif", "tif"])
def test_a_disk_that_fills_while_writing_is_an_error_not_a_cut_file(tmp_path, ext):
    """A full disk, simulated by a file-size limit on the process (no root needed for a
    small filesystem): every writer says so in one line, exit 3, and leaves no file. PNG
    and JPEG XL said "wrote" and left a truncated file (libpng reported the short write
    only as an error text, libjxl only when the file was closed). JPEG: the next test."""
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    out = tmp_path / f"o.{ext}"
    args = ["reconstruct", str(SAMPLE), "-o", str(out), "--method", "none"]
    proc = subprocess.run(
        [sys.executable, "-c", "import sys\n" + CLI, *args],
        check=False, capture_output=True, text=True, timeout=300, preexec_fn=limit,
    )  # fmt: skip
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert len(lines[0]) < 400  # libpng's repeated complaints are cut short
    assert str(out) in lines[0] and "/." not in lines[0]  # the user's name, not a temporary's
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["jpeg-uhdr", "jpeg-sdr"])
def test_a_jpeg_the_disk_cannot_hold_is_refused_before_writing(tmp_path, capsys, monkeypatch, fmt):
    """libjpeg ends the process when a write fails (the app would close), so a JPEG is
    refused before it is written when the disk has less room than the JPEG may need. The
    disk's free space is the mocked boundary: filling a real disk needs root."""
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10**9, 10**9 - 50_000, 50_000))
    out = tmp_path / "o.jpg"
    code, _, err = run(
        ["reconstruct", SAMPLE, "-o", out, "--method", "none", "--format", fmt], capsys
    )
    assert code == 3 and "not enough space on the disk" in err and "MB free" in err
    assert len(err.strip().splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_sigterm_while_writing_cleans_up_as_ctrl_c_does(tmp_path):
    """``timeout``, ``kill`` and schedulers send SIGTERM, whose default ended the process
    with its half-written temporary file left beside the output. Now: exit 143, nothing
    left."""
    import signal
    import time

    import cv2

    big = tmp_path / "big.png"
    code = read_image(SAMPLE).code
    cv2.imwrite(str(big), (cv2.resize(code, (4000, 3000))[..., ::-1] * 255).astype(np.uint8))
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "hdr_studio", "reconstruct", str(big), "-o", str(out / "o.png")]
    proc = subprocess.Popen([*cmd, "--method", "none"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(".o.*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the write ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert list(out.iterdir()) == []  # no temporary, no cut output


def test_transparency_a_format_cannot_keep_is_named(tmp_path, capsys):
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., :3], rgba[:, 30:, 3] = 200, 255
    src = write(tmp_path / "a.png", rgba)
    code, _, err = run(["reconstruct", src, "-o", tmp_path / "a.avif", "--method", "none"], capsys)
    assert code == 0 and "transparency is not kept in avif-pq" in err
    code, _, err = run(["reconstruct", src, "-o", tmp_path / "a.exr", "--method", "none"], capsys)
    assert code == 0 and "transparency" not in err


def test_an_empty_output_path_is_named_so(capsys):
    code, _, err = run(["reconstruct", SAMPLE, "-o", ""], capsys)
    assert code == 2 and "output path (-o) is empty" in err


def test_a_methods_options_are_set_on_the_command_line(tmp_path, capsys):
    """`models --json` listed classical's max gain and reach with their ranges, and the app
    and the plug-ins set them, but no command-line option did."""
    from hdr_studio.api.engine import reconstruct
    from hdr_studio.api.request import ReconstructRequest

    small = write(tmp_path / "s.png", (read_image(SAMPLE).code[::4, ::4] * 255).astype(np.uint8))
    out = tmp_path / "o.exr"
    cmd = ["reconstruct", small, "-o", out, "--method", "classical"]
    code, _, err = run([*cmd, "--option", "max_gain=8", "--option", "reach=3"], capsys)
    assert code == 0, err
    want = reconstruct(
        ReconstructRequest(input=small, method="classical", options={"max_gain": 8, "reach": 3})
    ).pixels
    np.testing.assert_allclose(read_image(out).linear, want, rtol=2e-3, atol=1e-4)
    plain = reconstruct(ReconstructRequest(input=small, method="classical")).pixels
    assert np.abs(plain - want).max() > 0.01  # the options made a difference
    for bad, says in (
        ("max_gain=80", "must be in [1, 32]"),
        ("gain=8", "has no option 'gain' (options: max_gain, reach)"),
        ("max_gain", "not NAME=VALUE"),
        ("max_gain=lots", "not a number"),
    ):
        code, _, err = run([*cmd, "--force", "--option", bad], capsys)
        assert code == 2 and says in err and "Traceback" not in err, (bad, err)
    b = tmp_path / "b"
    code, _, err = run(
        ["batch", small, "-o", b, "--method", "classical", "--option", "max_gain=8",
         "--option", "reach=3", "--progress", "none"], capsys,
    )  # fmt: skip
    assert code == 0, err
    assert (b / "s.exr").read_bytes() == out.read_bytes()
    code, listing, _ = run(["models"], capsys)
    assert "--option max_gain=N" in listing and "(1–32, default" in listing


def test_what_a_new_user_met_on_the_command_line(tmp_path, capsys):
    """An SDR result into an HDR-only format said nothing; a camera curve asked for was a
    "warning" and a note; `hdr-studio` alone exited 0; "-o .exr" was an "unknown output
    extension ''"; a damaged EXR's error named its path twice; DeclipNet's refusal said
    "use result sdr"."""
    small = write(tmp_path / "s.png", (read_image(SAMPLE).code[::4, ::4] * 255).astype(np.uint8))
    code, _, err = run(["reconstruct", small, "-o", tmp_path / "a.avif", "--result", "sdr",
                        "--method", "classical"], capsys)  # fmt: skip
    assert code == 0 and "avif-pq is an HDR format" in err
    code, _, err = run(["reconstruct", small, "-o", tmp_path / "a.exr", "--result", "sdr",
                        "--method", "classical"], capsys)  # fmt: skip
    assert code == 0 and "HDR format" not in err  # linear EXR holds an SDR result as it is
    code, _, err = run(["reconstruct", small, "-o", tmp_path / "g.exr", "--curve", "gamma:2.2",
                        "--method", "none"], capsys)  # fmt: skip
    assert code == 0 and "warning" not in err
    assert err.count("gamma:2.2") == 1 and "note: linearised with camera curve gamma:2.2" in err
    assert main([]) == 2 and "usage:" in capsys.readouterr().err
    code, _, err = run(["reconstruct", small, "-o", tmp_path / ".exr"], capsys)
    assert code == 3 and "a file name is missing before '.exr'" in err
    damaged = sorted((Path(__file__).parent / "data" / "openexr-damaged").glob("*.exr"))[0]
    code, _, err = run(["reconstruct", damaged, "-o", tmp_path / "d.exr"], capsys)
    assert code == 2 and err.count(str(damaged)) == 1 and "Error :" not in err
    code, _, err = run(["reconstruct", small, "-o", tmp_path / "dc.exr", "--method",
                        "declipnet", "--result", "hdr"], capsys)  # fmt: skip
    assert code == 2 and "--result sdr" in err
