"""The plain models and the numpy rendering, without a window."""

from pathlib import Path

import numpy as np

from hdr_studio.app.model import render
from hdr_studio.app.model.state import AppState, OverlaySettings
from hdr_studio.core.clipping import clip_overlay
from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode
from tests.helpers import gradient


def test_observable_notifies_changes_only():
    o = OverlaySettings()
    seen = []
    unsubscribe = o.subscribe(seen.append)
    o.update(mode="channel", over=0.9)
    o.mode = "channel"  # unchanged: no notification
    assert seen == ["mode", "over"]
    unsubscribe()
    o.mode = "any"
    assert seen == ["mode", "over"]
    assert AppState().view.compare == "none"


def test_display_level_keeps_clipping_visible_when_reduced():
    code = gradient(40, 60)
    code[10, 10] = 1.0  # one clipped pixel
    code[30, 50] = 0.0  # one crushed pixel
    im = Image(linear=srgb_decode(code), code=code)
    level = render.DisplayLevel.of(im, max_side=20)
    assert level.factor == 3 and level.linear.shape == (13, 20, 3)
    ov = render.overlay_for(level, "all", 250 / 255, 4 / 255, 1.0)
    assert tuple(ov[3, 3]) == (255, 0, 0, 255)  # block containing (10, 10)
    assert tuple(ov[10, 16]) == (0, 255, 0, 255)  # block containing (30, 50)
    full = render.DisplayLevel.of(im)
    np.testing.assert_array_equal(
        render.overlay_for(full, "channel", 0.98, 0.02, 0.5),
        clip_overlay(code, "channel", 0.98, 0.02, 0.5),
    )


def test_split_histogram_probe():
    a = np.zeros((4, 10, 3), np.uint8)
    b = np.full((4, 10, 3), 255, np.uint8)
    s = render.compose_split(a, b, 0.3)
    assert (s[:, :3] == 0).all() and (s[:, 3:] == 255).all()
    lin = np.full((8, 8, 3), 4.0, np.float32)
    lin[:4] = 0.25
    code = np.clip(lin, 0, 1)
    level = render.DisplayLevel.of(Image(linear=lin, code=code))
    hist = render.rgb_histogram(code, lin, render.clipped_shares(level, 0.98, 0.02))
    assert hist.unit == "stops" and hist.white == 0.0
    assert hist.counts.shape == (3, 128) and (hist.counts.sum(axis=1) == 64).all()
    centres = 0.5 * (hist.edges[1:] + hist.edges[:-1])
    assert hist.counts[0][centres > 0].sum() == 32  # +2 stops: above diffuse white
    assert hist.over == 0.5 and hist.under == 0.0
    photo = render.rgb_histogram(code, None, (hist.over, hist.under))
    assert photo.unit == "code" and photo.white == 1.0 and photo.counts[1, -1] == 32
    im = Image(linear=lin, code=np.clip(lin, 0, 1))
    text = render.probe(im, None, 1, 6, 203.0, 0.98, 0.02)
    assert "812 cd/m²" in text and "+2.00 stops" in text and "over: RGB" in text


def test_chromaticity_density_marks_where_pixels_fall():
    from hdr_studio.app.model.render import density

    white = np.array([[0.3127, 0.3290]] * 50, np.float32)
    red = np.array([[0.64, 0.33]] * 5, np.float32)
    img = density(white, red, bins=80)
    assert img.shape == (90, 80, 4)
    row, col = int(0.3290 / 0.9 * 90), int(0.3127 / 0.8 * 80)
    assert img[row, col, 3] > 200 and img[row, col, 2] > img[row, col, 0]  # blue: photo
    r_row, r_col = int(0.33 / 0.9 * 90), int(0.64 / 0.8 * 80)
    assert img[r_row, r_col, 0] > img[r_row, r_col, 2]  # orange: result
    assert img[5, 5, 3] == 0  # nothing elsewhere


def test_metadata_is_shown_in_an_editors_words_and_units():
    """The Metadata tab listed the file's tags as they are ("Exif:Flash 16",
    "Exif:ExposureProgram 3", "GPS:Latitude 43, 12, 5.3")."""
    from hdr_studio.app.model.metadata import tag_label, tag_value

    assert tag_label("Exif:Flash") == "Flash"
    assert tag_label("Exif:ExposureProgram") == "Exposure program"
    assert tag_label("GPS:Latitude") == "GPS latitude"
    assert tag_label("Exif:FocalLengthIn35mmFilm") == "Focal length (35 mm equivalent)"
    assert tag_label("IPTC:City") == "City" and tag_label("Make") == "Camera make"
    assert tag_label("IPTC:SubjectCode") == "IPTC subject code"
    assert tag_value("Exif:Flash", 16) == "did not fire, off"
    assert tag_value("Exif:Flash", 25) == "fired, auto"
    assert tag_value("Exif:Flash", 32) == "no flash function"
    assert tag_value("Exif:Flash", 0x49) == "fired, on, red-eye reduction"
    assert tag_value("Exif:ExposureProgram", 3) == "aperture priority"
    assert tag_value("Exif:MeteringMode", 5) == "multi-segment (pattern)"
    assert tag_value("Orientation", 6) == "turned 90° clockwise"
    assert tag_value("Exif:ExposureTime", 0.004) == "1/250 s"
    assert tag_value("Exif:FNumber", 5.6) == "f/5.6"
    assert tag_value("Exif:ApertureValue", 4.0) == "f/4"  # APEX
    assert tag_value("Exif:ExposureBiasValue", -0.333) == "-0.3 EV"
    assert tag_value("Exif:ExposureBiasValue", 0.0) == "0 EV"
    assert tag_value("GPS:Latitude", (43.0, 12.0, 5.3)) == "43° 12′ 5.3″"
    assert tag_value("GPS:Altitude", 1520.5) == "1520.5 m"
    assert tag_value("GPS:TimeStamp", (14.0, 20.0, 8.0)) == "14:20:08 UTC"
    assert tag_value("GPS:SpeedRef", "K") == "km/h"
    assert tag_value("Exif:MeteringMode", 42) == "42"  # unknown codes as they are
    assert tag_value("Software", "x" * 100).endswith("…")
    assert tag_value("ICCProfile", np.zeros(560, np.uint8)) == "embedded (560 bytes)"
    assert tag_value("Exif:DateTimeOriginal", "2002:11:24 15:11:22") == "2002-11-24 15:11:22"
    assert tag_value("DateTime", "not a date") == "not a date"


def test_a_raw_s_date_and_iso_are_not_both_written_and_not_carried():
    """From a new user's pass on a Canon CRW: "Written into the export" listed its date and
    ISO and "Not carried: Date time, ISO" beside them. The writers keep the file's date
    (it was filtered out as a write time) and ISO under Exif 2.3's name for the same tag."""
    from hdr_studio.app.model.metadata import export_rows, photo_rows
    from hdr_studio.core.reader import read_image

    image = read_image(Path(__file__).parents[1] / "data" / "raw" / "RAW_CANON_D30_SRGB.CRW")
    rows = {label: value for label, value, _ in export_rows(image, "jpeg-sdr")}
    assert rows["Date time"] == "2002-11-24 15:11:22" and rows["ISO"] == "100"
    assert "Date time" not in rows.get("Not carried", "")
    assert "ISO" not in rows.get("Not carried", "")
    assert dict(photo_rows(image, "sRGB"))["Taken"] == "2002-11-24 15:11:22"


def test_an_ultra_hdr_export_lists_no_container_internals():
    """The Metadata tab listed an Ultra HDR export's gain-map container ("Length 1171",
    "Mime image/jpeg", "Parse type Resource") among the photo's metadata, and spelt the
    photo's kind and encoding as the library does ("8-bit jpeg", "srgb encoding")."""
    from hdr_studio.app.model.metadata import export_rows, photo_rows
    from hdr_studio.core.reader import read_image
    from tests.helpers import SAMPLES

    image = read_image(SAMPLES / "sunset_lomiri.jpg")
    rows = export_rows(image, "jpeg-uhdr")
    tags = [t for _label, _value, names in rows for t in names]
    assert "ImageDescription" in tags
    assert not [t for t in tags if t.split(":")[0] in ("Item", "rdf", "hdrgm", "Container")]
    shown = dict(photo_rows(image, "sRGB"))
    assert shown["Size"].endswith("8-bit JPEG") and shown["Colour"].endswith("sRGB encoding")


def test_a_photo_s_keywords_and_title_are_listed_or_named_as_not_carried(tmp_path):
    """The Metadata tab hid every IPTC tag: a TIFF export lost a photo's keywords and title
    and the tab said nothing (neither among what it writes nor under "Not carried")."""
    import OpenImageIO as oiio

    from hdr_studio.app.model.metadata import export_rows, photo_rows
    from hdr_studio.core.reader import read_image

    spec = oiio.ImageSpec(32, 24, 3, oiio.UINT8)
    spec.attribute("IPTC:Keywords", "sunset")
    spec.attribute("IPTC:ObjectName", "Evening")
    photo = str(tmp_path / "tagged.jpg")
    out = oiio.ImageOutput.create(photo)
    assert out.open(photo, spec) and out.write_image(np.full((24, 32, 3), 90, np.uint8))
    out.close()
    image = read_image(photo)
    shown = dict(photo_rows(image, "sRGB"))
    assert shown["Keywords"] == "sunset" and shown["Title"] == "Evening"
    for fmt in ("jpeg-sdr", "tiff-sdr", "exr", "png-pq"):
        rows = export_rows(image, fmt)
        listed = {label for label, _value, _tags in rows}
        missing = " ".join(v for label, v, _t in rows if label == "Not carried")
        for label in ("Keywords", "Title"):
            assert label in listed or label in missing, (fmt, rows)
