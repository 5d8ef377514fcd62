#!/usr/bin/env bash
# One lease of a lent GPU machine, as one prepared script (the lease is 15 minutes in all):
#   1. the GPU tests and the inference tests with CUDA present;
#   2. inference timings of the shipped (small) and the paper-size networks at 12 MP;
#   3. two masked-network training runs side by side for a fixed wall-clock budget
#      (bench/gpu_train.py), their weights and loss logs packed for the way back.
# Expects, carried: .gpu/whl (OpenImageIO for the machine's Python) and .gpu/data (the
# training renders as half-float EXR and the training photos). Writes into $OUT.
set -u
OUT=${OUT:-out/gpu}
BUDGET=${BUDGET:-360}
DEVICE=${DEVICE:-cuda}  # cpu: a rehearsal of the script on a machine without a GPU
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
t0=$(date +%s)
stamp() { echo "[$(($(date +%s) - t0)) s] $*"; }

python3 -c "import OpenImageIO" 2>/dev/null ||
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch, OpenImageIO, cv2; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || exit 1

if [ -z "${SKIP_CHECKS:-}" ]; then
  stamp "tests"
  timeout 150 python3 -m pytest -q -p no:cacheprovider tests/inference -m "not slow" -o addopts="-ra" 2>&1 | tail -15

  stamp "timings"
  timeout 60 python3 bench/bench_models.py --device "$DEVICE" --sizes 12 --config small 2>&1 | tail -8
  timeout 90 python3 bench/bench_models.py --device "$DEVICE" --sizes 12 --config full 2>&1 | tail -8
fi

stamp "training"
CONFIGS=${CONFIGS:-hdr_studio/training/configs/masked-gpu-small.json hdr_studio/training/configs/masked-gpu-medium.json}
runs=()
for c in $CONFIGS; do
  v=$(basename "$c" .json)
  runs+=("runs/$v")
  python3 bench/gpu_train.py masked --config "$c" --data .gpu/data --device "$DEVICE" --workers 7 \
    --budget-s "$BUDGET" --out "runs/$v" --ship "runs/$v/models" >"$OUT/train-$v.log" 2>&1 &
done
wait
stamp "packing"
for r in "${runs[@]}"; do
  v=$(basename "$r")
  tail -3 "$OUT/train-$v.log"
  # not finished in time: bring the network's weights back from the checkpoint
  [ -f "$r/models/masked.safetensors" ] || python3 -c "
import sys; from safetensors.torch import load_file, save_file
t = load_file(sys.argv[1]); p = 'module.net.'
save_file({k[len(p):]: v for k, v in t.items() if k.startswith(p)}, sys.argv[2])" \
    "$r/checkpoint.safetensors" "$OUT/net-$v.safetensors"
done
tar czf "$OUT/runs.tgz" --exclude=checkpoint.safetensors "${runs[@]}"
ls -la "$OUT"
stamp "done"
