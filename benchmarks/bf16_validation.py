"""Does bf16 autocast train the policy network as well as float32? Short runs compared on
validation loss, against the noise of another seed.

    python -m benchmarks.bf16_validation [--data ../shared/data/sgf] [--k 32] [--steps 800]
                                         [--threads 2] [--record]

Three runs of `alphago_policy.train` straight from the game records, with the long run's
recipe (AdamW lr 0.002, weight decay 0.0001 on conv weights, batch 256, random symmetry) at
constant rate after a short warm-up:

1. float32, seed 0;
2. bf16 autocast with channels_last, seed 0: the same initial weights and the same batches
   as run 1, so the two differ only in precision;
3. bf16, seed 1: other weights and another order of the games. Its gap to run 2 is the
   noise that the precision gap of runs 1 and 2 is read against.

All three validate every quarter of the run on the same first positions of the validation
split. bf16 is what `train` uses where the CPU has bf16 instructions (or on a GPU), so the
comparison is refused elsewhere. The logs of a recorded run are kept beside its page.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
from pathlib import Path

from alphago_policy.cli import add_threads, fail, positive_int
from alphago_policy.runlog import LOG, read_log
from alphago_policy.runtime import cpu_has_bf16
from alphago_policy.train import Diverged, Settings, SettingsError, train
from benchmarks.common import (
    RESULTS,
    TRIALS,
    add_output_arguments,
    command_line,
    machine,
    page,
    publish,
    results_page,
    table,
)

NAME = "bf16_validation"
RUNS = {  # run name -> (bf16, seed)
    "float32": (False, 0),
    "bf16": (True, 0),
    "bf16-seed1": (True, 1),
}


def validations(log: list[dict]) -> dict[int, tuple[float, float]]:
    """Validation loss and top-1 by step, from a run's log records.

    >>> validations([{"event": "train", "step": 50, "loss": 3.1},
    ...              {"event": "validation", "step": 100, "val_loss": 2.9, "val_accuracy": 0.3},
    ...              {"event": "end", "step": 100, "val_loss": 2.9, "val_accuracy": 0.3}])
    {100: (2.9, 0.3)}
    """
    return {
        r["step"]: (r["val_loss"], r["val_accuracy"])
        for r in log
        if r["event"] in ("validation", "end") and "val_loss" in r
    }


def verdict(precision_gap: float, seed_gap: float) -> str:
    """Whether the gap between float32 and bf16 is within the gap between two seeds.

    >>> verdict(0.004, 0.011)
    'within the noise: the precision gap (0.004) is below the seed gap (0.011)'
    >>> verdict(0.03, 0.011)
    'outside the noise: the precision gap (0.030) is above the seed gap (0.011)'
    """
    where, side = ("within", "below") if precision_gap <= seed_gap else ("outside", "above")
    return (
        f"{where} the noise: the precision gap ({precision_gap:.3f}) is {side} "
        f"the seed gap ({seed_gap:.3f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/sgf", help="game records")
    parser.add_argument("--k", type=positive_int, default=32, help="filters per layer")
    parser.add_argument("--steps", type=positive_int, default=800, help="steps per run")
    parser.add_argument("--batch", type=positive_int, default=256, help="positions per step")
    add_threads(parser, default=2)
    parser.add_argument("--eval-positions", type=positive_int, default=20_000)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if not cpu_has_bf16():
        return fail(
            "this CPU has no bf16 instructions (AVX512-BF16 or AMX), so train uses float32 "
            "here and there is no bf16 run to compare; run this benchmark on a CPU that has them"
        )

    base = Settings(
        data=args.data, k=args.k, batch_size=args.batch, optimizer="adamw", lr=0.002,
        weight_decay=0.0001, schedule="constant", warmup_steps=max(1, args.steps // 10),
        max_steps=args.steps, eval_every=max(1, args.steps // 4),
        eval_positions=args.eval_positions, log_every=50, checkpoint_minutes=60, device="cpu",
        threads=args.threads, workers=1,
    )  # fmt: skip
    where = Path(os.path.relpath(TRIALS / NAME))  # the kept logs name no machine's folders
    curves, rates = {}, {}
    for name, (bf16, seed) in RUNS.items():
        out = where / name
        shutil.rmtree(out, ignore_errors=True)  # each comparison starts its runs afresh
        print(f"{name}: {args.steps} steps", flush=True)
        try:
            result = train(dataclasses.replace(base, out=str(out), bf16=bf16, seed=seed))
        except (SettingsError, Diverged) as error:
            return fail(error)
        if result["reason"] != "max_steps":
            return fail(f"the {name} run stopped at step {result['step']} ({result['reason']})")
        log = read_log(out / LOG)
        curves[name] = validations(log)
        rates[name] = statistics.median(r["positions_per_s"] for r in log if r["event"] == "train")
        if not curves[name]:
            return fail(f"--data {args.data}: no validation games there; give more games")

    steps = sorted(curves["float32"])
    rows = [
        [f"{step:,}", f"{step * args.batch / 1e6:.2f}M"]
        + [f"{curves[name][step][0]:.3f}" for name in RUNS]
        + [f"{100 * curves[name][step][1]:.1f}%" for name in RUNS]
        for step in steps
    ]
    last = steps[-1]
    loss = {name: curves[name][last][0] for name in RUNS}
    precision_gap = abs(loss["float32"] - loss["bf16"])
    seed_gap = abs(loss["bf16"] - loss["bf16-seed1"])
    text = page(
        "# bf16 autocast against float32: the same validation loss?",
        [
            f"runs: k={args.k}, batch {args.batch}, AdamW lr 0.002 after {base.warmup_steps} "
            f"warm-up steps, constant, weight decay 0.0001 on conv weights, random symmetry, "
            f"streamed from {args.data}; validation on the split's first "
            f"{args.eval_positions:,} positions",
            "float32 and bf16 start from the same weights and see the same batches (seed 0); "
            "bf16-seed1 starts elsewhere and sees the games in another order",
        ],
        table(
            ["step", "positions"]
            + [f"{name} loss" for name in RUNS]
            + [f"{name} top-1" for name in RUNS],
            rows,
        ),
        table(
            ["run", "positions/s (median of the log's lines)"],
            [[name, f"{rate:,.0f}"] for name, rate in rates.items()],
        ),
        f"At step {last:,}: {verdict(precision_gap, seed_gap)}.",
        host=f"{machine('cpu')}; bf16 instructions: True",
        command=command_line(NAME, argv),
    )
    path = results_page(args, NAME)
    publish(path, text)
    if path.parent == RESULTS:
        for name in RUNS:
            kept = RESULTS / NAME / f"{name}.log.jsonl"
            kept.parent.mkdir(exist_ok=True)
            shutil.copyfile(where / name / LOG, kept)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
