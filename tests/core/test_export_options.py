"""Which export options each format's writer reads (``ExportFormat.options``, what the app's
Export dialog enables): changing an option changes the file exactly for the formats that
claim it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hdr_studio.core.export import FORMATS, ExportOptions, encode_result
from hdr_studio.core.image import Image
from tests.helpers import gradient

CHANGED = {
    "reference_white": 150.0,
    "peak_nits": 600.0,
    "quality": 60,
    "sdr_exposure": -1.0,
    "invented_channel": True,
    "strip_location": True,
}


@pytest.fixture(scope="module")
def photo():
    code = gradient(32, 48)
    linear = (code**2.2 * 16.0).astype(np.float32)  # highlights up to 16× white
    source = Image(linear=(np.minimum(linear, 1.0)).astype(np.float32), code=code)
    source.metadata["GPS:LatitudeRef"] = ("string", "N")  # where it was taken
    source.metadata["GPS:Latitude"] = ("float[3]", (43.0, 2.0, 30.0))
    return linear, source


def test_every_format_lists_the_options_it_reads():
    for fmt in FORMATS.values():
        assert fmt.options <= set(CHANGED)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_an_option_changes_the_file_iff_the_format_uses_it(fmt, photo):
    linear, source = photo
    base = encode_result(linear, source, fmt, ExportOptions())
    for option, value in CHANGED.items():
        changed = encode_result(linear, source, fmt, replace(ExportOptions(), **{option: value}))
        assert (changed != base) == (option in FORMATS[fmt].options), (fmt, option)
