#!/usr/bin/env bash
# Self-play RL of the shipped network on a machine with a GPU (issue 30, item 4): MINUTES of
# `python -m alphago_policy rl train` from WEIGHTS, ending with a match of MATCH_GAMES (both
# sides sampling) of the result against WEIGHTS; everything left in $OUT. Before it, where the
# game records DATA are on the machine, WEIGHTS averaged over the 8 symmetries against the plain
# network on the first SYMMETRY_GAMES test games (`benchmarks.symmetries`: ten forward passes
# a position, hours of a CPU, about a minute of a GPU): symmetries.md and symmetries.err.
#
# Run from the checkout's root with the project installed (`pip install -e .`). It takes
# MINUTES and about 3 minutes more (the symmetries, numba compiling the rules on a fresh
# machine, the match). What
# it leaves in $OUT: train.out, train.err, log.jsonl (a line per iteration: win rate against the
# pool, game length, loss, games/s), rl_k$K.pt (the learner with its card: its start, its
# games, its win rate against the start) and match.json (that match: wins with a Wilson 95%
# interval). The checkpoint and the pool (8 MB a member at k=192) stay on the machine.
#
# What to expect, from the figures recorded so far (estimates until this has run): a game of
# the shipped k=192 is about 450 plies; an RL iteration costs per game those 450 forward
# passes and one forward and backward pass over its learner's ~225 moves, about 1,100 forward
# passes' worth. The H200 trained k=192 at 48,000 positions/s in bf16 (forward and backward,
# benchmarks/results/train_throughput.md), about 145,000 forward passes/s at batch 1,024 or
# more: at most ~130 games/s, ~7,700 games a minute, with GAMES=2048 (1,024 positions a
# forward pass). The rules and planes must keep up: 450 positions a game on the machine's 15
# numba threads (benchmarks/results/selfplay.md gives the rate of one core). So a 10-minute
# call buys some 20,000-40,000 games in its ~6 minutes of RL, against the paper's 1.28M and
# RocAlphaGo's ~300k (51% -> 62% against its start): a first step, resumable from rl_k$K.pt.
#
# Try it here first on the CPU with a tiny budget (tests/training/test_gpu_rl.py does):
#     DEVICE=cpu WEIGHTS=training/rl_k32/sl_start.pt MINUTES=0.2 GAMES=4 MATCH_GAMES=4 \
#         MAX_MOVES=40 OUT=runs/gpu-rl-try bash training/gpu_rl.sh
set -euo pipefail
DEVICE="${DEVICE:-cuda}"
WEIGHTS="${WEIGHTS:-alphago_policy/weights/policy.pt}"
MINUTES="${MINUTES:-5}"
DATA="${DATA:-data/sgf}"
SYMMETRY_GAMES="${SYMMETRY_GAMES:-500}"
LATENCY_POSITIONS="${LATENCY_POSITIONS:-30}"  # the genmove latencies, on the machine's CPU
GAMES="${GAMES:-2048}"
LR="${LR:-0.001}"
POOL_EVERY="${POOL_EVERY:-5}"
MATCH_GAMES="${MATCH_GAMES:-400}"
MAX_MOVES="${MAX_MOVES:-1083}"
UPDATE_BATCH="${UPDATE_BATCH:-2048}"
ENGINE_THREADS="${ENGINE_THREADS:-$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))}"
THREADS="${THREADS:-0}"
SEED="${SEED:-0}"
OUT="${OUT:-runs/gpu-rl}"
export PYTHONUNBUFFERED=1
if [ -d .whl ] && ! python3 -c "import sgfmill" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:$PWD"
fi
mkdir -p "$OUT"

status=0
if [ "$SYMMETRY_GAMES" -gt 0 ] && [ -e "$DATA" ]; then
    python3 -m benchmarks.symmetries --data "$DATA" --games "$SYMMETRY_GAMES" --device "$DEVICE" \
        --weights "$WEIGHTS" --batch-size 256 --latency-positions "$LATENCY_POSITIONS" \
        --out "$OUT/symmetries.md" \
        > /dev/null 2> "$OUT/symmetries.err" || status=$?
    grep -h "picks the same move" "$OUT/symmetries.md" || true
fi
python3 -m alphago_policy rl train --start "$WEIGHTS" --out "$OUT/run" --device "$DEVICE" \
    --games "$GAMES" --lr "$LR" --pool-every "$POOL_EVERY" --max-minutes "$MINUTES" \
    --max-moves "$MAX_MOVES" --update-batch "$UPDATE_BATCH" --match-games "$MATCH_GAMES" \
    --checkpoint-minutes 2 --threads "$THREADS" --engine-threads "$ENGINE_THREADS" \
    --seed "$SEED" > "$OUT/train.out" 2> "$OUT/train.err" || status=$?
cp "$OUT/run/log.jsonl" "$OUT/log.jsonl"
cp "$OUT"/run/rl_k*.pt "$OUT/"
grep -h '"event": "iteration"' "$OUT/log.jsonl" | tail -n 3
grep -h '"event": "match"' "$OUT/log.jsonl" | tail -n 1 | tee "$OUT/match.json"
rm -r "$OUT/run"  # the checkpoint and the pool: too large to come back
exit "$status"
