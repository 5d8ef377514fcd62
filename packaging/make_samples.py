"""Regenerate the bundled sample photos from Debian's lomiri-wallpapers-16.04 package.

    apt-get download lomiri-wallpapers-16.04 && dpkg -x lomiri-wallpapers-16.04_*.deb pkg
    .venv/bin/python resources/samples/make_samples.py pkg/usr/share/backgrounds

Each photo is downscaled (area averaging, so clipped areas stay clipped) to 1200 px on
the long side and saved as JPEG quality 92. Licences: see LICENSES.md beside this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import OpenImageIO as oiio

SAMPLES = {
    "sunset_lomiri.jpg": "sunset_by_Aitzol_Berasategi.jpg",
    "seeding_lomiri.jpg": "seeding_by_Clements_Engelhardt.jpg",
    "aitzgorri_lomiri.jpg": "aitzgorri_by_Aitzol_Berasategi.jpg",
    "picosdeeuropa_lomiri.jpg": "picosdeeuropa_by_Aitzol_Berasategi.jpg",
}
LONG_SIDE = 1200


def main(src_dir: str) -> None:
    here = Path(__file__).resolve().parents[1] / "hdr_studio" / "resources" / "samples"
    for name, original in SAMPLES.items():
        px = oiio.ImageInput.open(str(Path(src_dir) / original)).read_image(oiio.UINT8)
        h, w = px.shape[:2]
        s = LONG_SIDE / max(h, w)
        small = cv2.resize(px, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        spec = oiio.ImageSpec(small.shape[1], small.shape[0], 3, oiio.UINT8)
        spec.attribute("compression", "jpeg:92")
        spec.attribute("ImageDescription", f"{original}, from Debian lomiri-wallpapers-16.04")
        out = oiio.ImageOutput.create(str(here / name))
        out.open(str(here / name), spec)
        out.write_image(np.ascontiguousarray(small))
        out.close()
        print("wrote", name, small.shape)


if __name__ == "__main__":
    main(sys.argv[1])
