"""A camera sensor, simulated: raw files made from real HDR photographs, with known truth,
for the raw-highlight measurements (``bench/raw_quality.py``) and the tests.

From scene-linear Rec.2020 light: XYZ → the camera's RGB (a DNG ColorMatrix, XYZ D65 →
camera), an exposure that sets how much clips, a Bayer mosaic, photon (Poisson) and read
(Gaussian) noise in electrons, black level, quantisation, and saturation of each photosite
at the white level, so that channels clip one by one as in a camera (green first under
daylight, red and blue later). The as-shot white balance is the camera's response to D65
white. :func:`simulate_raw` returns the mosaic and what a perfect, unclipped, noise-free
sensor would have recorded (the truth, in white-balanced camera RGB with 1.0 = the green
channel's white).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.dng import CFA_PATTERNS, write_dng
from hdr_studio.core.gamut import rgb_to_xyz_matrix

__all__ = ["CAMERA_MATRIX", "SensorModel", "SimulatedRaw", "simulate_raw"]

#: XYZ (D65) → camera RGB of a full-frame DSLR (Adobe's DNG ColorMatrix2 for the Canon EOS
#: 6D, as DNG files of that camera carry it): a plausible, not an identity, sensor.
CAMERA_MATRIX = np.array(
    [[0.7034, -0.0804, -0.1014], [-0.4420, 1.2564, 0.2058], [-0.0851, 0.1994, 0.5758]]
)
_D65_XYZ = np.array([0.95047, 1.0, 1.08883])


@dataclass(frozen=True)
class SensorModel:
    """bits: ADC depth; black: black level (DN); full_well: electrons at white;
    read_noise: electrons (Gaussian); pattern: the CFA's top-left 2×2."""

    bits: int = 14
    black: int = 512
    full_well: float = 30000.0
    read_noise: float = 3.0
    pattern: str = "RGGB"

    @property
    def white(self) -> int:
        return 2**self.bits - 1


@dataclass
class SimulatedRaw:
    """mosaic: (H, W) uint16 photosites; truth_camera: (H, W, 3) float32 white-balanced
    camera RGB without clipping or noise (1.0 = green's white); neutral: the as-shot
    neutral (camera response to white, green 1); sensor: the model."""

    mosaic: np.ndarray
    truth_camera: np.ndarray
    neutral: np.ndarray
    sensor: SensorModel

    def write(self, path: str | Path, force: bool = False) -> Path:
        """The mosaic as a DNG LibRaw reads."""
        r, g, b = (float(v) for v in self.neutral)
        return write_dng(
            path,
            self.mosaic,
            pattern=self.sensor.pattern,
            black=self.sensor.black,
            white=self.sensor.white,
            color_matrix=CAMERA_MATRIX,
            as_shot_neutral=(r, g, b),
            make="HDR Studio",
            model="Simulated sensor",
            force=force,
        )


def _cfa_index(h: int, w: int, pattern: str) -> np.ndarray:
    codes = np.array(CFA_PATTERNS[pattern]).reshape(2, 2)
    return np.tile(codes, ((h + 1) // 2, (w + 1) // 2))[:h, :w]


def simulate_raw(
    scene: np.ndarray,
    exposure: float,
    sensor: SensorModel | None = None,
    seed: int = 0,
) -> SimulatedRaw:
    """Photograph ``scene`` ((H, W, 3) linear Rec.2020, any scale) with ``sensor``:
    ``exposure`` multiplies the scene so that a camera-green value of 1.0 reaches the
    green photosites' white. Channels that exceed their white saturate."""
    s = sensor or SensorModel()
    x = np.asarray(scene, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != 3:
        raise ValueError(f"scene must be (H, W, 3), got {x.shape}")
    to_camera = CAMERA_MATRIX @ rgb_to_xyz_matrix("rec2020")
    camera = np.maximum(x @ to_camera.T, 0.0) * exposure  # unbalanced camera RGB
    neutral = CAMERA_MATRIX @ _D65_XYZ
    neutral = neutral / neutral[1]
    h, w, _ = camera.shape
    cfa = _cfa_index(h, w, s.pattern)
    site = np.take_along_axis(camera, cfa[..., None], axis=2)[..., 0]
    rng = np.random.default_rng(seed)
    electrons = rng.poisson(np.clip(site, 0, 4.0) * s.full_well).astype(np.float64)
    electrons += rng.normal(0.0, s.read_noise, electrons.shape)
    dn = s.black + electrons / s.full_well * (s.white - s.black)
    mosaic = np.clip(np.rint(dn), 0, s.white).astype(np.uint16)
    truth = (camera / neutral).astype(np.float32)
    return SimulatedRaw(mosaic=mosaic, truth_camera=truth, neutral=neutral, sensor=s)
