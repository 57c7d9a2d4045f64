#!/usr/bin/env bash
# Train the policy network on a machine with one GPU, start to finish: measure the training
# step against the bf16 matrix rate, size the run to MINUTES from that rate (the last quarter
# anneals), train while the machine's other cores stream positions from the game records, then
# measure the result on the first TEST_GAMES test games (`ship`). Everything is written to OUT.
#
# Run it from the checkout's root with the project installed (`pip install .`):
#     bash training/gpu_run.sh
#     MINUTES=20 OUT=runs/k192-long bash training/gpu_run.sh
# Inputs, as environment variables [default]:
#     DATA        the game records: a folder of SGF files and archives [data/sgf]
#     INIT        weights to start from, widened to K filters if narrower; empty: He's random
#                 weights [alphago_policy/weights/policy.pt, the shipped network]
#     K BATCH LR SEED MINUTES    filters, positions per step, peak rate, order of the games,
#                 minutes of training [192 1024 0.002 2 6.5]
#     TEST_GAMES  the test games `ship` measures the result on [500]
#     DEVICE      [cuda];  WORKERS  stream worker processes [the cores less one]
#     OUT         where the results go [runs/gpu]
# It takes MINUTES and about two minutes more (the step measured, the workers started, the
# validations, the test games: 130 s on an H200 with 15 worker cores, 2026-12-04).
# OUT then holds train_throughput.md (the rates measured), train.out and train.err, run/ (the
# run directory: log.jsonl, policy_k$K.pt and checkpoint.pt), policy.pt (the weights with
# their test figures on the card: the file to ship) and ship.out. To go on with the run on the
# same machine, resume it (`train --out $OUT/run --resume`); elsewhere, start from its weights
# (INIT=$OUT/run/policy_k$K.pt: a fresh optimizer; see training/README.md, "Checkpoints").
# On a machine without internet access, put the wheels it lacks in .whl/ first (`python -m pip
# download --no-deps -d .whl sgfmill`): the script installs them when sgfmill is missing.
# Try it on a CPU with a tiny budget first:
#     DEVICE=cpu INIT= K=8 BATCH=64 MINUTES=0.3 TEST_GAMES=3 OUT=runs/gpu-try \
#         bash training/gpu_run.sh
set -euo pipefail
DATA="${DATA:-data/sgf}"
DEVICE="${DEVICE:-cuda}"
K="${K:-192}"
BATCH="${BATCH:-1024}"
LR="${LR:-0.002}"
MINUTES="${MINUTES:-6.5}"
INIT="${INIT-alphago_policy/weights/policy.pt}"
SEED="${SEED:-2}"
TEST_GAMES="${TEST_GAMES:-500}"
OUT="${OUT:-runs/gpu}"
WORKERS="${WORKERS:-$(( $(nproc) - 1 ))}"
WORKER_RATE=4600  # positions/s one stream worker gives: 80% of benchmarks/results/stream.md's
export PYTHONUNBUFFERED=1
if [ -d .whl ] && ! python3 -c "import sgfmill" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:$PWD"
fi
mkdir -p "$OUT"

# The step rate, and the steps MINUTES buy at 80% of it (or of what the workers can stream,
# where that is less); the last quarter anneals. A failed measurement plans from a guess.
bench=$(python3 -m benchmarks.train_throughput --device "$DEVICE" --k "$K" --batch "$BATCH" \
    --out "$OUT/train_throughput.md") || bench="batch $BATCH: 20000 positions/s (guessed)"
echo "$bench"
rate=$(echo "$bench" | sed -n 's/^batch [0-9]*: \([0-9,.]*\) positions.*/\1/p' | tr -d ,)
feed=$(( WORKERS * WORKER_RATE ))
steps=$(python3 -c "print(max(20, int(min($rate, $feed) * $MINUTES * 60 * 0.8 / $BATCH)))")
echo "planned: $steps steps of $BATCH positions in $MINUTES minutes"

python3 -m alphago_policy train --data "$DATA" --out "$OUT/run" --device "$DEVICE" --k "$K" \
    --init "$INIT" --seed "$SEED" --batch-size "$BATCH" --optimizer adamw --lr "$LR" \
    --weight-decay 0.0001 --clip-norm 10 --warmup-steps $((steps / 20)) --schedule wsd \
    --max-steps "$steps" --decay-steps $((steps / 4)) --min-lr 0.00001 \
    --workers "$WORKERS" --window-files 2048 --eval-every 1000 --eval-positions 20000 \
    --checkpoint-minutes 2 --log-every 50 --max-minutes "$(python3 -c "print($MINUTES + 0.75)")" \
    > "$OUT/train.out" 2> "$OUT/train.err"
grep -h -e '"event": "validation"' -e '"event": "end"' "$OUT/run/log.jsonl" | tail -n 5

python3 -m alphago_policy ship "$OUT/run" --to "$OUT/policy.pt" --device "$DEVICE" \
    --max-games "$TEST_GAMES" 2>> "$OUT/train.err" | tee "$OUT/ship.out"
