"""The readable-formats catalogue and the export format records: one list that the app's
Open dialog, the desktop entry, the batch filter and --help use."""

import configparser
from pathlib import Path

import pytest

from hdr_studio.batch.inputs import IMAGE_EXTENSIONS, collect
from hdr_studio.cli import build_parser
from hdr_studio.core import formats
from hdr_studio.core.errors import library_message
from hdr_studio.core.export import FORMATS, format_for_path
from hdr_studio.core.resources import package_resource
from hdr_studio.desktop import APP_ID, desktop_entry


def test_every_format_has_extensions_and_mime_types():
    names = [f.name for f in formats.READ_FORMATS]
    assert len(names) == len(set(names))
    for f in formats.READ_FORMATS:
        assert f.extensions and all(e.startswith(".") and e == e.lower() for e in f.extensions)
        assert f.mime_types and all("/" in m for m in f.mime_types)
    assert {".jpg", ".exr", ".heic", ".cr2", ".nef", ".dng", ".kdc", ".avif", ".jxl"} <= (
        formats.readable_extensions()
    )
    assert formats.format_for_extension(".CR3").name == "raw"
    assert formats.format_for_extension(".heic").extra == "heif"
    assert formats.format_for_extension(".xyz") is None


def test_open_filter_lists_every_extension_in_both_cases():
    text = formats.open_filter()
    first = text.split(";;")[0]
    for ext in formats.readable_extensions():
        assert f"*{ext}" in first and f"*{ext.upper()}" in first
    assert text.endswith("All files (*)")
    assert text.count(";;") == len(formats.READ_FORMATS) + 1


def test_the_batch_filter_and_help_use_the_catalogue(tmp_path):
    assert formats.readable_extensions() == IMAGE_EXTENSIONS
    for name in ("a.CR2", "b.heic", "c.jpg", "d.txt"):
        (tmp_path / name).write_bytes(b"x")
    found = {it.source.name for it in collect([str(tmp_path)], False, ".exr")}
    assert found == {"a.CR2", "b.heic", "c.jpg"}
    help_text = " ".join(build_parser().format_help().split())
    assert "heif (extra [heif])" in help_text and "raw (extra" in help_text


def test_desktop_entry_offers_exactly_the_catalogue_types():
    shipped = package_resource("desktop", f"{APP_ID}.desktop").read_text()
    for text in (shipped, desktop_entry(shipped, "/opt/hdr-studio")):
        cp = configparser.ConfigParser(interpolation=None)
        cp.read_string(text)
        mimes = cp["Desktop Entry"]["MimeType"].strip(";").split(";")
        assert tuple(mimes) == formats.mime_types()
    assert "Exec=/opt/hdr-studio gui %f" in desktop_entry(shipped, "/opt/hdr-studio")


def test_export_formats_are_records_by_name():
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.extensions and callable(fmt.encoder)
        assert fmt.encoding in {"pq", "linear", "gain-map", "srgb"}
        assert fmt.hdr == (fmt.encoding != "srgb")
    assert FORMATS["avif-pq"].bit_depth == 10 and not FORMATS["avif-pq"].metadata
    assert format_for_path(Path("x.jpeg")) == "jpeg-uhdr"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"EXR error: channel '\x80' bad", "EXR error: channel '\ufffd' bad"),
        (b"line one\nline\ttwo\x00", "line one line two"),
    ],
)
def test_library_messages_that_are_not_utf8_become_one_line(raw, expected):
    def getter():
        return raw.decode("utf-8")  # raises for the first, like OIIO's binding

    assert library_message(getter) == expected
