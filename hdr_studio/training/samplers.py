"""Training batches, drawn from a seeded ``numpy.random.Generator`` (resumable: the generator's
state is checkpointed), as float32 NCHW numpy arrays.

* :class:`HdrPool` — linear HDR scenes (Mitsuba renders + procedural scenes) in memory;
  :meth:`HdrPool.shots` crops them, photographs them with the HDRCNN virtual camera and,
  when asked, keeps Santos' textured patches;
* :class:`PhotoPool` — 8-bit photographs; :meth:`PhotoPool.declip` makes DeclipNet pairs,
  :meth:`PhotoPool.inpaint` Santos' inpainting pre-training pairs (random holes filled with
  white, which the masked convolutions treat as saturated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.transfer import srgb_decode
from hdr_studio.training.data.camera import camera_curve_extended, sample_params, shoot
from hdr_studio.training.data.patches import TEXTURE_THRESHOLD, patch_metric


def to_nchw(batch: list[np.ndarray]) -> np.ndarray:
    return np.ascontiguousarray(np.stack(batch).transpose(0, 3, 1, 2), dtype=np.float32)


def _flip(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return a[:, ::-1] if rng.random() < 0.5 else a


@dataclass
class ShotBatch:
    code: np.ndarray  # (N, 3, S, S) camera code values in [0, 1]
    truth: np.ndarray  # (N, 3, S, S) linear scene, 1 = the camera's white
    ldr: np.ndarray  # (N, 3, S, S) the camera curve applied without clipping
    #: (N,) float32: 1 where the shot is of a real photograph's crop, 0 of a render
    real: np.ndarray | None = None


class HdrPool:
    def __init__(
        self,
        scenes: Sequence[np.ndarray],
        real: Sequence[np.ndarray] = (),
        real_share: float = 0.0,
    ) -> None:
        """``scenes``: rendered and procedural scenes; ``real``: crops of real HDR
        photographs (:mod:`hdr_studio.training.data.real`), drawn with probability
        ``real_share``."""
        if not scenes and not real:
            raise ValueError("no HDR scenes to train on (run: hdr-studio data render)")
        if real_share > 0 and not real:
            raise ValueError("real_share > 0 but no real HDR crops (run: hdr-studio data real)")
        self.scenes = [np.ascontiguousarray(s, np.float32) for s in scenes]
        self.real = [np.ascontiguousarray(s, np.float32) for s in real]
        self.real_share = float(real_share) if self.scenes else 1.0

    @classmethod
    def load(
        cls,
        paths: Sequence[Path],
        synthetic: int = 0,
        synthetic_seed: int = 0,
        extra: int = 0,
        real: Sequence[Path] = (),
        real_share: float = 0.0,
    ) -> HdrPool:
        """The rendered scenes at ``paths``, ``synthetic`` procedural scenes and ``extra``
        scenes of the wider kinds (night lights, clouds, backlit, neon), seeded from
        ``synthetic_seed``; the real photographs' crops at ``real``, drawn with probability
        ``real_share``."""
        from hdr_studio.training.data.dataset import read_hdr
        from hdr_studio.training.data.synthetic import render_extra_scene, render_scene

        scenes = [read_hdr(p) for p in paths]
        scenes += [render_scene(synthetic_seed + i, 192, 256) for i in range(synthetic)]
        scenes += [render_extra_scene(synthetic_seed + i, 192, 256) for i in range(extra)]
        return cls(scenes, [read_hdr(p) for p in real], real_share)

    def crop(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.drawn(rng, size)[0]

    def drawn(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, bool]:
        """A random crop, and whether it is of a real photograph."""
        real = bool(self.real) and rng.random() < self.real_share
        pool = self.real if real else self.scenes
        s = pool[int(rng.integers(len(pool)))]
        h, w = s.shape[:2]
        if min(h, w) < size:
            import cv2

            k = size / min(h, w)
            s = cv2.resize(
                s, (int(np.ceil(w * k)), int(np.ceil(h * k))), interpolation=cv2.INTER_LINEAR
            )
            h, w = s.shape[:2]
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        return np.ascontiguousarray(_flip(s[y : y + size, x : x + size], rng)), real

    def shots(
        self, rng: np.random.Generator, n: int, size: int, textured: bool = False, tries: int = 4
    ) -> ShotBatch:
        """``n`` virtual-camera shots of random crops. ``textured``: of up to ``tries`` crops
        keep the first whose clipped area passes Santos' texture score (else the best)."""
        code, truth, ldr, real = [], [], [], []
        for _ in range(n):
            best, best_score, best_real = None, -1.0, False
            for _t in range(tries if textured else 1):
                crop, is_real = self.drawn(rng, size)
                shot = shoot(crop, rng, sample_params(rng))
                if not textured:
                    best, best_real = shot, is_real
                    break
                # np.asarray: numpy's stubs type .all(axis=…) as maybe a scalar; it is (H, W)
                well = np.asarray((shot.code < 0.96).all(axis=2)).astype(np.float32)
                score = patch_metric(shot.truth, well) if well.min() < 1 else -0.5
                if score > best_score:
                    best, best_score, best_real = shot, score, is_real
                if score > TEXTURE_THRESHOLD:
                    break
            assert best is not None
            code.append(best.code)
            truth.append(best.truth)
            ldr.append(camera_curve_extended(best.truth, best.params))
            real.append(best_real)
        return ShotBatch(
            to_nchw(code), to_nchw(truth), to_nchw(ldr), np.array(real, dtype=np.float32)
        )


class PhotoPool:
    def __init__(self, photos: Sequence[np.ndarray]) -> None:
        if not photos:
            raise ValueError("no photos to train on (run: hdr-studio data photos)")
        self.photos = list(photos)

    @classmethod
    def load(cls, paths: Sequence[Path]) -> PhotoPool:
        from hdr_studio.training.data.photos import read_photo

        return cls([read_photo(p) for p in paths])

    def crop(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import cv2

        p = self.photos[int(rng.integers(len(self.photos)))]
        h, w = p.shape[:2]
        scale = rng.uniform(max(size / min(h, w), 0.25), 1.0)
        if scale < 1.0:
            p = cv2.resize(
                p,
                (max(size, round(w * scale)), max(size, round(h * scale))),
                interpolation=cv2.INTER_AREA,
            )
            h, w = p.shape[:2]
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        return np.ascontiguousarray(_flip(p[y : y + size, x : x + size], rng))

    def declip(self, rng: np.random.Generator, n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        """DeclipNet pairs: (clipped, target), renormalised by the same affine map."""
        from hdr_studio.training.data.camera import declip_pair

        xs, ts = [], []
        for _ in range(n):
            x, t, _levels = declip_pair(self.crop(rng, size), rng)
            xs.append(x)
            ts.append(t)
        return to_nchw(xs), to_nchw(ts)

    def inpaint(
        self, rng: np.random.Generator, n: int, size: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Santos' pre-training pairs: (code with holes set to 1, linear photo, hole mask)."""
        xs, ts, ms = [], [], []
        for _ in range(n):
            code = self.crop(rng, size).astype(np.float32) / 255.0
            hole = random_holes(rng, size)
            x = np.where(hole[..., None] > 0, np.float32(1.0), code)
            xs.append(x)
            ts.append(srgb_decode(code))
            ms.append(np.repeat(hole[..., None], 3, axis=2))
        return to_nchw(xs), to_nchw(ts), to_nchw(ms)


def masked_batch(
    hdr: HdrPool | None,
    photos: PhotoPool | None,
    cfg: dict,
    rng: np.random.Generator,
    stage: str,
) -> dict[str, np.ndarray]:
    """One batch of the masked recipe's ``stage``: ``inpaint`` — photos with white holes
    (``x``) and their linear values (``lin``); ``hdr`` — textured virtual-camera shots
    (``x``), their sRGB linearisation (``lin``) and the scene (``truth``)."""
    if stage == "inpaint":
        assert photos is not None
        x, lin, _hole = photos.inpaint(rng, cfg["batch"], cfg["patch"])
        return {"x": x, "lin": lin}
    assert hdr is not None
    b = hdr.shots(rng, cfg["batch"], cfg["patch"], textured=True)
    batch = {"x": b.code, "lin": srgb_decode(b.code), "truth": b.truth}
    if b.real is not None:
        batch["real"] = b.real
    return batch


def random_holes(rng: np.random.Generator, size: int) -> np.ndarray:
    """An irregular hole mask (H, W) float32 in {0, 1}: blobs and thick strokes covering
    roughly 5–30 % of the patch, like clipped highlights."""
    import cv2

    m = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(1, 5))):
        if rng.random() < 0.6:
            c = (int(rng.integers(size)), int(rng.integers(size)))
            axes = (
                int(rng.integers(size // 16, size // 4)),
                int(rng.integers(size // 16, size // 4)),
            )
            cv2.ellipse(m, c, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        else:
            pts = rng.integers(0, size, (int(rng.integers(2, 5)), 2)).astype(np.int32)
            cv2.polylines(m, [pts], False, 1, int(rng.integers(size // 20, size // 8)))
    return m.astype(np.float32)
