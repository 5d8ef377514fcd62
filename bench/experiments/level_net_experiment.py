"""Can a small network judge how far above white each clipped region is? — the experiment
behind bench/QUALITY.md, "A network for each region's level: tried (2026-12-07, stop 56)".

    HDR_STUDIO_DATA=data .venv/bin/python \
        bench/experiments/level_net_experiment.py FIT_SET [VAL_SET] [--target region|pixel]

``level_oracle_experiment.py`` showed that setting each clipped region of the default's fill
to the truth's mean level would give +1.73 dB PU21 inside on the real validation split, and
that cheap cues (size, inradius, glow rings) explain 8 % of that level. This asks whether a
small convolutional network that sees the whole picture (the linear input's luminance and
chroma, the fill's luminance, what clipped, the distance to a measured pixel, all relative
to the photo's median) does better. It predicts a log₂ scale map; with ``--target region``
it is trained on each region's mean log₂ ratio of truth to fill (the oracle's correction)
and applied as the region's mean of the map, with ``--target pixel`` on the per-pixel
ratio and applied per pixel. Loss weighted so each picture's clipped pixels weigh one in
all, as the per-picture PU21 mean does. Trained on FIT_SET (pairs of real *training*
crops, ``glow_experiment.py --make-fit``), scored on VAL_SET (default
``DATA/real/valset``) after every epoch; the default's results are cached as in
``glow_experiment.py``. CPU, a few minutes per target.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MIN_AREA = 4
EPS = 1e-4
ABSOLUTE = "absolute" in sys.argv


def features(linear: np.ndarray, fill: np.ndarray, clipped: np.ndarray, full, dist):
    """(7, H, W) float32 inputs of one picture."""
    from hdr_studio.training import metrics as M

    y = M.luminance(linear)
    med = np.log2(np.median(y) + EPS)
    g = linear[..., 1].astype(np.float64) + EPS
    return np.stack(
        [
            np.log2(y + EPS) - med,
            np.log2(M.luminance(fill) + EPS) - med,
            clipped.astype(np.float64),
            full.astype(np.float64),
            np.log2((linear[..., 0] + EPS) / g),
            np.log2((linear[..., 2] + EPS) / g),
            np.minimum(dist, 32) / 8.0,
        ]
    ).astype(np.float32)


def load(set_dir: Path):
    import cv2
    import glow_experiment as G
    from peak_shape_experiment import load_pair

    from hdr_studio.training import metrics as M

    out = []
    for item in json.loads((set_dir / "manifest.json").read_text())["hdr"]:
        got = load_pair(set_dir, item, G.CACHE)
        if got is None:
            continue
        image, truth, clipped, hdr, dist, full = got
        n, labels = cv2.connectedComponents(clipped.astype(np.uint8), connectivity=8)
        areas = np.bincount(labels.ravel(), minlength=n)
        small = areas < MIN_AREA
        small[0] = True
        labels = np.where(small[labels], 0, labels).astype(np.int64)
        ratio = (np.log2(M.luminance(truth) + 1e-6) - np.log2(M.luminance(hdr) + 1e-6)).astype(
            np.float32
        )
        x = features(image.linear, hdr, clipped, full, dist)
        fill_log = np.log2(M.luminance(hdr) + 1e-6).astype(np.float32)
        if ABSOLUTE:  # the truth's own level, from the photo alone: no word of the fill's
            x[1] = 0.0
            ratio = ratio + fill_log
        out.append(
            dict(
                x=x,
                hdr=hdr,
                truth=truth,
                clipped=clipped,
                labels=labels,
                ratio=ratio,
                fill_log=fill_log,
                name=item,
            )
        )
    return out


def build_net():
    import torch
    from torch import nn

    class LevelNet(nn.Module):
        def __init__(self, c_in: int = 7, w: int = 32):
            super().__init__()
            act = nn.LeakyReLU(0.1)
            self.head = nn.Sequential(nn.Conv2d(c_in, w, 3, padding=1), act)
            self.down = nn.Sequential(
                nn.Conv2d(w, w * 2, 3, 2, 1), act,
                nn.Conv2d(w * 2, w * 2, 3, 2, 1), act,
                nn.Conv2d(w * 2, w * 2, 3, 2, 1), act,
                nn.Conv2d(w * 2, w * 2, 3, padding=2, dilation=2), act,
                nn.Conv2d(w * 2, w * 2, 3, padding=4, dilation=4), act,
            )  # fmt: skip
            self.glob = nn.Sequential(nn.Linear(w * 2, w * 2), act)
            self.tail = nn.Sequential(
                nn.Conv2d(w * 5, w, 3, padding=1), act, nn.Conv2d(w, 1, 3, padding=1)
            )

        def forward(self, x):
            f = self.head(x)
            d = self.down(f)
            g = self.glob(d.mean((2, 3)))[:, :, None, None].expand_as(d)
            up = torch.nn.functional.interpolate(
                torch.cat([d, g], 1), size=f.shape[2:], mode="bilinear", align_corners=False
            )
            return self.tail(torch.cat([f, up], 1))[:, 0]

    return LevelNet()


def region_means(s, labels):
    """Per picture in the batch: the mean of ``s`` over each label (index 0 unused)."""
    import torch

    n = int(labels.max()) + 1
    flat = labels.flatten(1)
    sums = torch.zeros(labels.shape[0], n).scatter_add_(1, flat, s.flatten(1))
    counts = torch.zeros(labels.shape[0], n).scatter_add_(1, flat, torch.ones_like(s.flatten(1)))
    return sums / counts.clamp_min(1), counts


def loss_of(s, batch, target: str):

    labels, ratio, clipped = batch["labels"], batch["ratio"], batch["clipped"]
    if target == "pixel":
        w = clipped / clipped.flatten(1).sum(1).clamp_min(1)[:, None, None]
        return (w * (s - ratio) ** 2).flatten(1).sum(1).mean()
    pred, counts = region_means(s, labels)
    want, _ = region_means(ratio, labels)
    w = counts.clone()
    w[:, 0] = 0
    w = w / w.sum(1, keepdim=True).clamp_min(1)
    return (w * (pred - want) ** 2).sum(1).mean()


def shrunk(p, down: int):
    """The picture's inputs and targets at 1/``down`` of its size (area means; a label kept
    where the block is all that label)."""
    if down == 1:
        return p
    import cv2

    h, w = p["x"].shape[1] // down, p["x"].shape[2] // down

    def area(a):
        return cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)

    x = np.stack([area(c) for c in p["x"]])
    lab = p["labels"][: h * down, : w * down].reshape(h, down, w, down)
    same = (lab == lab[:, :1, :, :1]).all((1, 3))
    labels = np.where(same, lab[:, 0, :, 0], 0)
    clipped = area(p["clipped"].astype(np.float32))
    return dict(
        p,
        x=x,
        labels=labels,
        ratio=area(p["ratio"]),
        clipped=clipped,
        fill_log=area(p["fill_log"]),
    )


def stop_map(net, p, down: int):
    import cv2
    import torch

    small = shrunk(p, down)
    with torch.no_grad():
        s = net(torch.from_numpy(small["x"])[None])[0].numpy()
    h, w = p["labels"].shape
    return torch.from_numpy(cv2.resize(s, (w, h), interpolation=cv2.INTER_LINEAR))


def apply(net, p, target: str, scale: float = 1.0, down: int = 1) -> np.ndarray:
    import torch

    s = stop_map(net, p, down)
    if ABSOLUTE:  # the predicted level less the fill's own
        s = s - torch.from_numpy(p["fill_log"])
    if target == "region":
        means, _ = region_means(s[None], torch.from_numpy(p["labels"])[None])
        stops = means[0][torch.from_numpy(p["labels"])].numpy()
        stops[p["labels"] == 0] = 0
    else:
        stops = np.where(p["clipped"], s.numpy(), 0)
    return p["hdr"] * np.exp2(np.float32(scale) * stops)[..., None].astype(np.float32)


def score(pairs, result):
    from hdr_studio.training import metrics as M

    pu, top = [], []
    for p in pairs:
        out = result(p)
        pu.append(M.pu21_psnr(out, p["truth"], p["clipped"]))
        top.append(M.brightness_errors(out, p["truth"], p["clipped"])[1])
    return float(np.mean(pu)), float(np.nanmean(top))


def batches(pairs, size: int, rng):
    import torch

    shape = pairs[0]["x"].shape[1:]
    same = [p for p in pairs if p["x"].shape[1:] == shape]
    order = rng.permutation(len(same))
    for i in range(0, len(order), size):
        chosen = [same[j] for j in order[i : i + size]]
        flip_h, flip_v = rng.random() < 0.5, rng.random() < 0.5

        def t(a, fh=flip_h, fv=flip_v):
            if fh:
                a = a[..., :, ::-1]
            if fv:
                a = a[..., ::-1, :]
            return torch.from_numpy(np.ascontiguousarray(a))

        yield {
            "x": t(np.stack([p["x"] for p in chosen])),
            "labels": t(np.stack([p["labels"] for p in chosen])),
            "ratio": t(np.stack([p["ratio"] for p in chosen])),
            "fill": t(np.stack([p["fill_log"] for p in chosen])),
            "clipped": t(np.stack([p["clipped"] for p in chosen]).astype(np.float32)),
        }


def main() -> None:
    import torch

    from hdr_studio.training.data.dataset import data_root

    os.environ.setdefault("OMP_NUM_THREADS", "2")
    torch.set_num_threads(2)
    target = "pixel" if "pixel" in sys.argv else "region"
    args = [
        a
        for a in sys.argv[1:]
        if not a.startswith("--") and a not in ("pixel", "region", "absolute")
    ]
    epochs = int(os.environ.get("LEVEL_EPOCHS", "40"))
    down = int(os.environ.get("LEVEL_DOWN", "1"))
    every = int(os.environ.get("LEVEL_EVERY", "1"))
    fit = load(Path(args[0]))
    val = load(Path(args[1]) if len(args) > 1 else data_root() / "real" / "valset")
    base = score(val, lambda p: p["hdr"])
    print(f"target {target}: fit {len(fit)} pictures, val {len(val)}", flush=True)
    print(f"default: PU21 in {base[0]:.2f} dB, brightest 1 % {base[1]:+.2f} stops", flush=True)
    train = [shrunk(p, down) for p in fit]
    for name, group in (("fit", train), ("val", [shrunk(p, down) for p in val])):
        zero = np.mean(
            [
                float(loss_of(b["fill"] if ABSOLUTE else torch.zeros_like(b["ratio"]), b, target))
                for b in batches(group, 8, np.random.default_rng(1))
            ]
        )
        print(f"{name}: loss of no correction {zero:.3f}", flush=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = build_net()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    best = (-1e9, None)
    for epoch in range(epochs):
        net.train()
        t0, total, n = time.time(), 0.0, 0
        for batch in batches(train, 8, rng):
            loss = loss_of(net(batch["x"]), batch, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total, n = total + float(loss.detach()), n + 1
        sched.step()
        if (epoch + 1) % every and epoch + 1 < epochs:
            print(f"epoch {epoch:2d} loss {total / n:.3f} ({time.time() - t0:.0f} s)", flush=True)
            continue
        net.eval()
        row = []
        for scale in (0.5, 1.0):
            pu, top = score(val, lambda p, s=scale: apply(net, p, target, s, down))
            row.append(f"×{scale:g}: {pu - base[0]:+.2f} dB, top {top:+.2f}")
            if pu - base[0] > best[0]:
                best = (pu - base[0], (epoch, scale, top))
        print(
            f"epoch {epoch:2d} loss {total / n:.3f} ({time.time() - t0:.0f} s) | "
            + " | ".join(row),
            flush=True,
        )
    print(f"best on val: {best[0]:+.2f} dB at epoch/scale/top {best[1]}")
    out = os.environ.get("LEVEL_SAVE")
    if out:
        torch.save(net.state_dict(), out)


if __name__ == "__main__":
    main()
