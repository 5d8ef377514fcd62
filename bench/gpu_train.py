"""Train a network for a fixed wall-clock budget on a lent GPU (the device machine's lease is
short): measure the step rate of this config on this machine first, then train
``--steps`` = rate × budget, every stage scaled in proportion (``load_config``), with
batches drawn by ``--workers`` processes, and ship the weights into ``--ship``.

    python3 bench/gpu_train.py masked --config hdr_studio/training/configs/masked-gpu-small.json \
        --budget-s 300 --workers 7 --out runs/gpu-small --ship runs/gpu-small/models

The probe trains 250 steps of the config's last stage on a small pool (a few scenes: the
draw cost per batch does not depend on the pool's size) and times steps 50–250. Prints one
JSON line with the probe's rate, the steps chosen and the run's result.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def probe_rate(args, cfg: dict) -> float:
    from hdr_studio.training.train import TrainOptions, train

    probe = dict(cfg, synthetic=8, synthetic_extra=4, stages=[dict(cfg["stages"][-1], steps=250)])
    times: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.json"
        path.write_text(json.dumps(probe))
        train(
            TrainOptions(
                model=args.model,
                config=path,
                data=args.data,
                out=Path(tmp) / "run",
                device=args.device,
                precision=args.precision,
                workers=args.workers,
                log_every=10,
                checkpoint_every=10**6,
            ),
            progress=lambda f, _m: times.setdefault(round(f * 250), time.monotonic()),
        )
    return 200 / (times[250] - times[50])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--config", required=True)
    p.add_argument("--data", default=None)
    p.add_argument("--device", default="cuda")
    p.add_argument("--workers", type=int, default=7)
    p.add_argument(
        "--precision", default="auto", help="forward passes: auto (bf16 on a GPU), bf16, fp32"
    )
    p.add_argument("--budget-s", type=float, required=True, help="seconds for the real run")
    p.add_argument("--load-s", type=float, default=40, help="set-up time kept out of the budget")
    p.add_argument("--out", required=True)
    p.add_argument("--ship", required=True)
    args = p.parse_args()

    from hdr_studio.training.train import TrainOptions, train

    cfg = json.loads(Path(args.config).read_text())
    t0 = time.monotonic()
    rate = probe_rate(args, cfg)
    probe_s = time.monotonic() - t0
    steps = int(rate * max(args.budget_s - args.load_s, 30) * 0.85)
    t1 = time.monotonic()
    result = train(
        TrainOptions(
            model=args.model,
            config=Path(args.config),
            data=args.data,
            out=Path(args.out),
            steps=steps,
            minutes=args.budget_s / 60,
            device=args.device,
            precision=args.precision,
            workers=args.workers,
            ship=Path(args.ship),
            log_every=50,
            checkpoint_every=2000,
        )
    )
    line = {
        "config": args.config,
        "precision": args.precision,
        "probe_steps_per_s": round(rate, 2),
        "probe_s": round(probe_s, 1),
        "steps": steps,
        "run_s": round(time.monotonic() - t1, 1),
        **result,
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
