"""A tiny data root built from generated content: procedural HDR scenes written as EXR
renders and a few synthetic 'photos' (textured noise), so training and evaluation run in
seconds without the fetched datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def _photo(seed: int, size: int = 160) -> np.ndarray:
    from hdr_studio.core.transfer import srgb_encode
    from hdr_studio.training.data.synthetic import render_scene

    scene = render_scene(seed, size, size)
    scene = scene / np.quantile(scene.max(axis=2), 0.9)
    return (np.clip(srgb_encode(np.clip(scene, 0, 1)), 0, 1) * 255 + 0.5).astype(np.uint8)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    import cv2

    from hdr_studio.core.export import write_array
    from hdr_studio.training.data.synthetic import render_scene

    root = tmp_path_factory.mktemp("data")
    for split, seeds in (("train", range(3)), ("eval", range(500, 502)), ("val", range(700, 702))):
        d = root / "renders" / split
        d.mkdir(parents=True)
        for s in seeds:
            write_array(render_scene(s, 96, 128) * 50.0, d / f"scene_{s:06d}.exr", "exr32")
        p = root / "photos" / split
        p.mkdir(parents=True)
        for s in seeds:
            cv2.imwrite(str(p / f"photo_{s}.png"), _photo(s + 1000)[..., ::-1])
    return root
