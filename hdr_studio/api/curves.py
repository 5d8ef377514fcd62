"""Camera curves (inverse responses) as front ends name them: a ``--curve`` spec parsed
into a curve (``srgb``, ``gamma:G``, a table file), and the file of the prior behind
``--curve auto`` (its digest is part of what decides a batch output). Remembered curves by
camera: :mod:`hdr_studio.api.camera_curves`."""

from hdr_studio.core.curve import InverseCurve, parse_curve
from hdr_studio.core.curve_estimate import prior_path

__all__ = ["InverseCurve", "parse_curve", "prior_path"]
