"""The long runs' accuracy against the positions they have seen, beside published figures.

    python -m benchmarks.learning_curve [--run training/cpu_k64 training/cpu_k64_decay] [--record]

Reads each run's log (validation top-1 on the first 20,000 positions of the validation split,
games it never trains on) and draws it against training positions on a log scale; a run
branched off an earlier one (the learning-rate decay off the constant phase) is drawn from
where it branched, and a run started from a narrower trained network (`train --init`) from
the positions that network, and the ones it was started from, had seen. Beside them the
published points: RocAlphaGo's k=96 network (46.8% after 12M positions, 49.5% after 40M,
plain SGD), the paper's k=192 network (55.4% after 340M steps of 16 positions), and this
project's k=32 CPU network shipped before (41.6% on its test split after 2.56M). `--record`
writes docs/learning_curve.png and benchmarks/results/learning_curve.md; a trial writes under
runs/.
"""

from __future__ import annotations

import argparse
from itertools import takewhile
from pathlib import Path

from alphago_policy.policy import read_weights
from alphago_policy.run_dir import RunDir
from alphago_policy.runlog import read_log
from benchmarks.common import (
    ROOT,
    add_output_arguments,
    command_line,
    page,
    publish,
    results_page,
    shown,
    table,
)

PUBLISHED = [  # (label, positions, top-1)
    ("RocAlphaGo k=96", 12e6, 0.468),
    ("RocAlphaGo k=96", 40e6, 0.495),
    ("AlphaGo paper k=192", 340e6 * 16, 0.554),
    ("k=32 shipped before (this project, CPU)", 2.56e6, 0.416),
]


def curve(run: Path) -> list[tuple[int, float]]:
    """(positions seen, validation top-1) at each validation of the run; a run started from a
    trained network (`--init`) counts the positions of the networks it started from too."""
    log = read_log(RunDir(run).log_path)
    batch = next(r["settings"]["batch_size"] for r in log if r["event"] == "start")
    before = positions_before(read_weights(RunDir(run).weights_files()[0])["card"])
    return [
        (before + r["step"] * batch, r["val_accuracy"])
        for r in log
        if r["event"] in ("validation", "end") and "val_accuracy" in r
    ]


def positions_before(card: dict) -> int:
    """The training positions of the networks a run started from, down its `--init` chain.

    >>> positions_before({"positions": 9})
    0
    >>> positions_before({"initialised_from": {"card": {"positions": 5,
    ...     "initialised_from": {"card": {"positions": 7}}}}})
    12
    """
    origin = card.get("initialised_from")
    if not origin:
        return 0
    return origin["card"].get("positions", 0) + positions_before(origin["card"])


def branches(runs: list[Path]) -> dict[str, list[tuple[int, float]]]:
    """Each run's curve, by name; a branch (a copy of an earlier run of the list, resumed with
    other settings) is drawn from the last point it shares with that run."""
    whole = [curve(run) for run in runs]
    curves = {}
    for i, (run, points) in enumerate(zip(runs, whole, strict=True)):
        shared = max((shared_points(points, trunk) for trunk in whole[:i]), default=0)
        curves[run.name] = points[max(shared - 1, 0) :]
    return curves


def shared_points(branch: list[tuple[int, float]], trunk: list[tuple[int, float]]) -> int:
    """How many first points the two curves have in common: a branch's history, which the
    trunk goes on from with other points at the same steps.

    >>> shared_points([(1, 0.3), (2, 0.4), (3, 0.5)], [(1, 0.3), (2, 0.4), (3, 0.45), (4, 0.5)])
    2
    """
    return sum(
        1 for _ in takewhile(lambda pair: pair[0] == pair[1], zip(branch, trunk, strict=False))
    )


def draw(curves: dict[str, list[tuple[int, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, points in curves.items():
        xs, ys = [p for p, _ in points], [100 * a for _, a in points]
        axes.plot(xs, ys, "o-", ms=3, label=f"{name} (validation)")
    for label in dict.fromkeys(label for label, _, _ in PUBLISHED):
        mine = [(p, a) for name, p, a in PUBLISHED if name == label]
        axes.plot([p for p, _ in mine], [100 * a for _, a in mine], "s--", label=label)
    axes.set_xscale("log")
    axes.set_xlabel("training positions seen")
    axes.set_ylabel("top-1 on held-out games (%)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--run",
        type=Path,
        nargs="+",
        default=[
            *sorted((ROOT / "training").glob("cpu_k*")),
            *sorted((ROOT / "training").glob("gpu_k*")),
        ],
        help="run directories, a branch after the run it branched off (default: the long "
        "runs and their branches, training/cpu_k* then training/gpu_k*)",
    )
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    curves = branches(args.run)
    path = results_page(args, "learning_curve")
    picture = ROOT / "docs" / "learning_curve.png" if args.record else path.with_suffix(".png")
    draw(curves, picture)
    rows = [
        [name, f"{p:,}", f"{100 * a:.1f}%"] for name, points in curves.items() for p, a in points
    ]
    text = page(
        f"# Learning curve of {', '.join(curves)}",
        [f"picture: {shown(picture)}",
         "validation top-1 on the first 20,000 positions of the validation split"],
        table(["run", "positions seen", "validation top-1"], rows, align="lrr"),
        table(["published", "positions", "top-1"],
              [[label, f"{p:,.0f}", f"{100 * a:.1f}%"] for label, p, a in PUBLISHED], "lrr"),
        host=None,
        command=command_line("learning_curve", argv),
    )  # fmt: skip
    publish(path, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
