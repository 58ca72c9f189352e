#!/usr/bin/env bash
# Activation checkpointing on gpt at batch 64: for each mode (none, blocks,
# sqrt) the planned activation bytes and step peak (dlcc --memory-report),
# then the step time and peak RSS of training, the modes' programs run in
# turn for the same steps in one run, each time as a ratio to `none`.
#
#   bench/checkpointing.sh [STEPS] [BATCH]        (defaults: 6, 64)
#
# Uses the 2 cores with OpenBLAS's AVX-512 kernels (OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset), as bench/RESULTS.md says.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dlcc=${DLCC:-$root/build/bin/dlcc}
steps=${1:-6}
batch=${2:-64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
modes=(none blocks sqrt)

echo "gpt (examples/gpt.dl) at batch $batch, $steps steps per mode"
for mode in "${modes[@]}"; do
  "$dlcc" "$root/examples/gpt.dl" --batch="$batch" --checkpoint="$mode" \
    --memory-report --emit=llvm-dialect -o /dev/null >"$work/$mode.plan"
  "$dlcc" "$root/examples/gpt.dl" --batch="$batch" --checkpoint="$mode" \
    -o "$work/gpt-$mode"
  printf '%-7s planned: %s; %s\n' "$mode" \
    "$(grep -m1 'dl_train_step' "$work/$mode.plan" | sed 's/^ *//')" \
    "$(grep -A1 'dl_train_step' "$work/$mode.plan" | tail -1 | sed 's/^ *//')"
done

# One run: every mode trains the same steps in turn; the first step of
# each (page faults of a fresh arena) is left out of the time.
for mode in "${modes[@]}"; do
  "$work/gpt-$mode" --steps="$steps" --seed=1 --eval=none --log_every=1 \
    --log="$work/$mode.jsonl" --checkpoint="$work/$mode.ckpt" \
    --report-memory >"$work/$mode.out"
done
/usr/bin/env python3 - "$work" "${modes[@]}" <<'EOF'
import json, re, sys
work, modes = sys.argv[1], sys.argv[2:]
figures = {}
for mode in modes:
    records = [r for r in map(json.loads, open(f"{work}/{mode}.jsonl"))
               if r["event"] == "train"]
    first, last = records[0], records[-1]
    per_step = (last["time"]["elapsed_s"] - first["time"]["elapsed_s"]) / (
        last["step"] - first["step"])
    text = open(f"{work}/{mode}.out").read()
    rss = int(re.search(r"process peak resident ([0-9,]+)", text)
              .group(1).replace(",", ""))
    figures[mode] = (per_step, rss, last["loss"])
base_time, base_rss, base_loss = figures["none"]
for mode in modes:
    per_step, rss, loss = figures[mode]
    print(f"{mode:7s} {1000 * per_step:8.0f} ms/step ({per_step / base_time:.2f}x)"
          f"  peak RSS {rss / 2**20:7.0f} MiB ({rss / base_rss:.2f}x)"
          f"  loss at the last step {loss:.6f}")
EOF
