"""Batches drawn in worker processes ahead of the network (``--workers N``, recipes that
split drawing from learning), and the stage of a config at a step."""

from __future__ import annotations

from typing import Any

import numpy as np


def stage_at(cfg: dict, step: int) -> dict:
    n = 0
    for s in cfg["stages"]:
        n += int(s["steps"])
        if step < n:
            return s
    return cfg["stages"][-1]


#: What a worker process draws from: the recipe's drawer, its data pools and config.
_WORKER: dict[str, Any] = {}


def _worker_init(drawer, hdr, photos, cfg: dict) -> None:
    import cv2

    cv2.setNumThreads(1)
    _WORKER.update(drawer=drawer, hdr=hdr, photos=photos, cfg=cfg)


def _draw_batch(job: tuple[int, int, str]) -> dict[str, np.ndarray]:
    seed, step, stage = job
    w = _WORKER
    return w["drawer"](w["hdr"], w["photos"], w["cfg"], np.random.default_rng([seed, step]), stage)


class Prefetcher:
    """Batches ``start``…``total − 1`` drawn by ``workers`` processes (started fresh, not
    forked from a process that runs torch and OpenCV threads), at most ``2 × workers``
    ahead of the network; batch k comes from ``default_rng([seed, k])``."""

    def __init__(self, recipe, cfg: dict, seed: int, workers: int, start: int, total: int):
        import multiprocessing
        from collections import deque

        self.cfg, self.seed, self.total = cfg, seed, total
        self.next, self.depth = start, 2 * workers
        self.pending: deque = deque()
        self.pool = multiprocessing.get_context("spawn").Pool(
            workers,
            initializer=_worker_init,
            initargs=(type(recipe).drawer, recipe.hdr, recipe.photos, cfg),
        )

    def get(self, step: int) -> dict[str, np.ndarray]:
        while len(self.pending) < self.depth and self.next < self.total:
            job = (self.seed, self.next, stage_at(self.cfg, self.next)["name"])
            self.pending.append((self.next, self.pool.apply_async(_draw_batch, (job,))))
            self.next += 1
        k, res = self.pending.popleft()
        assert k == step, f"prefetched batch {k} for step {step}"
        return res.get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
