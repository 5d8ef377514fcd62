"""Camera curves: linearising a photo with its camera's inverse response instead of the sRGB
curve its file declares. Cameras and phones put their own tone curve (contrast S, highlight
shoulder) into JPEGs; a measured inverse response (from a calibration) undoes it.

A curve is given as ``srgb``, ``gamma:G`` (code^G) or a FILE: a text or CSV file of either
one column (linear values at evenly spaced code values 0…1) or two columns (code, linear),
``#`` comments allowed. It must rise monotonically from 0 at code 0 to 1 at code 1 (a FILE
is normalised to that). The linearised photo keeps its clipping: code 1 stays linear 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hdr_studio.core.errors import InputError
from hdr_studio.core.image import Image

TABLE_SIZE = 4096


@dataclass(frozen=True)
class InverseCurve:
    """code value → relative linear light, as a table on ``TABLE_SIZE`` evenly spaced codes."""

    name: str
    table: np.ndarray  # (TABLE_SIZE,) float32, 0 … 1, non-decreasing

    def __call__(self, code: np.ndarray) -> np.ndarray:
        x = np.clip(code, 0.0, 1.0) * np.float32(TABLE_SIZE - 1)
        i = np.minimum(x.astype(np.int32), TABLE_SIZE - 2)
        f = (x - i).astype(np.float32)
        return (self.table[i] * (1 - f) + self.table[i + 1] * f).astype(np.float32)


def _codes() -> np.ndarray:
    return np.linspace(0.0, 1.0, TABLE_SIZE, dtype=np.float64)


def curve_from_samples(name: str, x: np.ndarray, y: np.ndarray) -> InverseCurve:
    """The curve through (code ``x``, linear ``y``), normalised to 0 → 0, 1 → 1."""
    if x.size < 2 or np.any(np.diff(x) <= 0):
        raise InputError(f"curve {name}: code values must increase")
    if not np.all(np.isfinite(y)) or y[-1] <= y[0]:
        raise InputError(f"curve {name}: linear values must rise and be finite")
    if np.any(np.diff(y) < -1e-6 * (y[-1] - y[0])):  # below that: a table's rounding
        raise InputError(f"curve {name}: linear values must not decrease (a response is monotone)")
    y = np.maximum.accumulate(y)
    y = (y - y[0]) / (y[-1] - y[0])  # 0 → 0, 1 → 1
    x = (x - x[0]) / (x[-1] - x[0])
    return InverseCurve(name, np.interp(_codes(), x, y).astype(np.float32))


def parse_curve(spec: str) -> InverseCurve:
    """The inverse response ``spec`` names (``srgb``, ``gamma:G``, a FILE); one-line errors."""
    from hdr_studio.core.transfer import srgb_decode

    text = spec.strip()
    if text == "srgb":
        return InverseCurve("srgb", srgb_decode(_codes().astype(np.float32)))
    m = re.fullmatch(r"gamma:(\d+(?:\.\d+)?)", text)
    if m:
        g = float(m.group(1))
        if not 0.2 <= g <= 5.0:
            raise InputError(f"curve gamma must be in [0.2, 5], got {g:g}")
        return InverseCurve(f"gamma:{g:g}", (_codes() ** g).astype(np.float32))
    path = Path(text)
    if not path.is_file():
        raise InputError(f"curve {text!r}: not srgb, gamma:G or an existing file")
    try:
        rows = [
            [float(v) for v in re.split(r"[,\s;]+", line.split("#")[0].strip()) if v]
            for line in path.read_text().splitlines()
        ]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"curve {path.name}: not a table of numbers ({exc})") from None
    rows = [r for r in rows if r]
    widths = {len(r) for r in rows}
    if widths == {1}:
        y = np.array([r[0] for r in rows], np.float64)
        x = np.linspace(0.0, 1.0, y.size)
    elif widths == {2}:
        x, y = (np.array(c, np.float64) for c in zip(*rows, strict=True))
    else:
        raise InputError(f"curve {path.name}: expected one or two columns of numbers")
    return curve_from_samples(path.name, x, y)


def curve_text(curve: InverseCurve, comments: Sequence[str] = (), levels: int = 256) -> str:
    """``curve`` as the two-column table (code, linear) a FILE curve is read from, at
    ``levels`` even code steps, with ``#`` comment lines first."""
    code = np.linspace(0.0, 1.0, levels, dtype=np.float32)
    linear = np.maximum.accumulate(curve(code))  # float32 interpolation may wobble on a flat
    lines = [f"# {c}" for c in comments]
    lines += [f"{c:.6f} {v:.8f}" for c, v in zip(code, linear, strict=True)]
    return "\n".join(lines) + "\n"


def apply_curve(image: Image, curve: InverseCurve) -> Image:
    """``image`` linearised with ``curve`` instead of its declared encoding: linear light
    from the code values, and code values re-expressed on the sRGB curve for the methods
    (which work on sRGB code values) — clipping stays where it was (code 1 → 1). Refused for
    float (already linear) images. The curve's name goes into the output metadata (the
    caller says which curve it chose: it is no warning about the photo)."""
    from hdr_studio.core.transfer import srgb_encode

    if image.curve_free is not None:
        raise InputError(f"a camera curve applies to SDR photos; this one is {image.curve_free}")
    linear = curve(image.code)
    code = np.clip(srgb_encode(linear), 0.0, 1.0).astype(np.float32)
    code[image.code >= 1.0] = 1.0  # clipped stays exactly clipped (sRGB(1) is 1 − 1 ulp)
    return replace(named_curve(image, curve.name), linear=linear, code=code, transfer="srgb")


def named_curve(image: Image, name: str) -> Image:
    """``image`` with the curve that linearised it named in its metadata, which the
    outputs carry (``HDRStudio:InverseCurve``)."""
    metadata = dict(image.metadata)
    metadata["HDRStudio:InverseCurve"] = ("string", name)
    return replace(image, metadata=metadata)
