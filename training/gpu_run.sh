#!/usr/bin/env bash
# The one call a session with a lent GPU makes (issue 11): stream all of data/sgf on the
# machine's cores, measure the training step against the bf16 matrix rate, train k=192 in bf16
# for MINUTES, starting from the shipped network widened to K filters (INIT='' starts from He's
# random weights), measure the result on the first TEST_GAMES test games (`ship`), and leave
# everything in $OUT.
#
# Prepare here, at no device time (data/ and .whl/ are git-ignored):
#     mkdir -p data && cp -r ../shared/data/sgf data/
#     python -m pip download --no-deps -d .whl sgfmill==1.1.1     # all the machine lacks
# The runs' directories (training/*/, 75 MB of checkpoints and weights) would take the call
# over the 64 MiB it may carry: take them out of git's view for the call, back right after it:
#     git rm -r -q --cached training/*/ && echo '/training/*/' >> .git/info/exclude
#     git reset -q training && sed -i '\#^/training/\*/$#d' .git/info/exclude
# Then one `run`: command "bash training/gpu_run.sh", carry ["data", ".whl"], timeout 590 s. The
# command takes MINUTES and about 130 s more (the step measured, the run started and ended, the
# test games): with less, `ship` is cut short, and its figures must be measured here.
# What comes back ($OUT, 7 files): train_throughput.md, train.out, train.err, run/log.jsonl,
# run/policy_k$K.pt (the weights of the last checkpoint), policy.pt (those weights with their
# test figures on the card: the file to ship) and ship.out. The checkpoint itself (the AdamW
# state, 47 MB at k=192) is over the 16 MiB a returned file may have: a later GPU session
# starts from the weights (INIT=path/to/policy.pt).
# Try it here first on the CPU with a tiny budget:
#     DEVICE=cpu INIT= K=8 BATCH=64 MINUTES=0.3 TEST_GAMES=3 OUT=runs/gpu-try \
#         bash training/gpu_run.sh
set -euo pipefail
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

python3 -m alphago_policy train --data data/sgf --out "$OUT/run" --device "$DEVICE" --k "$K" \
    --init "$INIT" --seed "$SEED" --batch-size "$BATCH" --optimizer adamw --lr "$LR" \
    --weight-decay 0.0001 --clip-norm 10 --warmup-steps $((steps / 20)) --schedule wsd \
    --max-steps "$steps" --decay-steps $((steps / 4)) --min-lr 0.00001 \
    --workers "$WORKERS" --window-files 2048 --eval-every 1000 --eval-positions 20000 \
    --checkpoint-minutes 2 --log-every 50 --max-minutes "$(python3 -c "print($MINUTES + 0.75)")" \
    > "$OUT/train.out" 2> "$OUT/train.err"
grep -h -e '"event": "validation"' -e '"event": "end"' "$OUT/run/log.jsonl" | tail -n 5

python3 -m alphago_policy ship "$OUT/run" --to "$OUT/policy.pt" --device "$DEVICE" \
    --max-games "$TEST_GAMES" 2>> "$OUT/train.err" | tee "$OUT/ship.out"
rm "$OUT/run/checkpoint.pt"  # too large to come back; its weights are policy_k$K.pt
