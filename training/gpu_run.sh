#!/usr/bin/env bash
# The one call a session with a lent GPU makes (issue 11): stream all of data/sgf on the
# machine's cores, measure the training step against the bf16 matrix rate, train k=192 in bf16
# for MINUTES, measure the result on test games, and leave everything in $OUT.
#
# Prepare here, at no device time (data/ and .whl/ are git-ignored):
#     mkdir -p data && cp -r ../shared/data/sgf data/
#     python -m pip download --no-deps -d .whl sgfmill==1.1.1     # all the machine lacks
# Then one `run`: command "bash training/gpu_run.sh", carry ["data", ".whl"], timeout 560 s.
# Try it here first on the CPU with a tiny budget:
#     DEVICE=cpu K=8 BATCH=64 MINUTES=0.3 TEST_GAMES=3 OUT=runs/gpu-try bash training/gpu_run.sh
set -euo pipefail
DEVICE="${DEVICE:-cuda}"
K="${K:-192}"
BATCH="${BATCH:-1024}"
MINUTES="${MINUTES:-6}"
TEST_GAMES="${TEST_GAMES:-300}"
OUT="${OUT:-runs/gpu}"
WORKERS="${WORKERS:-$(( $(nproc) - 1 ))}"
export PYTHONUNBUFFERED=1
if [ -d .whl ] && ! python3 -c "import sgfmill" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:$PWD"
fi
mkdir -p "$OUT"
python3 -m benchmarks.train_throughput --device "$DEVICE" --k "$K" --batch "$BATCH" \
    --out "$OUT/train_throughput.md" | tee "$OUT/train_throughput.out"
# The steps the budget buys at 80% of the measured step rate; the last quarter anneals.
rate=$(sed -n 's/^batch [0-9]*: \([0-9,.]*\) positions.*/\1/p' "$OUT/train_throughput.out" | tr -d ,)
steps=$(python3 -c "print(max(20, int($rate * $MINUTES * 60 * 0.8 / $BATCH)))")
echo "planned: $steps steps of $BATCH positions in $MINUTES minutes"
python3 -m alphago_policy train --data data/sgf --out "$OUT/run" --device "$DEVICE" --k "$K" \
    --batch-size "$BATCH" --optimizer adamw --lr 0.002 --weight-decay 0.0001 \
    --warmup-steps $((steps / 20)) --schedule wsd --max-steps "$steps" \
    --decay-steps $((steps / 4)) --min-lr 0.00001 \
    --workers "$WORKERS" --window-files 2048 --eval-every 1000 --eval-positions 20000 \
    --checkpoint-minutes 2 --log-every 50 --max-minutes "$MINUTES" 2> "$OUT/train.err"
python3 -m alphago_policy evaluate --weights "$OUT/run/policy_k$K.pt" data/sgf --split test \
    --max-games "$TEST_GAMES" --device "$DEVICE" --json > "$OUT/test.json"
tail -n 3 "$OUT/run/log.jsonl"
python3 -c "import json; print('test top-1', json.load(open('$OUT/test.json'))['rows'][-1])"
