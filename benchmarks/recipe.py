"""Which recipe learns most per position: plain against batch norm, each with and without an
exponential moving average (EMA) of its weights, side by side at equal positions.

    python -m benchmarks.recipe [--run training/recipe_plain training/recipe_bn] [--record]

Each run is a `train` run with `--ema`, so one run gives two arms: the network itself and the
moving average of its weights, both validated on the same positions at the same steps. The
runs share everything but `--batch-norm` (same games in the same order, same seed), so their
validations line up step for step. `--record` writes benchmarks/results/recipe.md and its
picture benchmarks/results/recipe.png; a trial writes under runs/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alphago_policy.runlog import LOG, read_log
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

ARMS = {"val": "", "ema_val": " + EMA"}  # figure prefix in the log -> the arm's suffix


def arms(run: Path) -> dict[str, dict[int, tuple[float, float]]]:
    """The run's arms by name (the network, and its EMA when kept), each
    {positions seen: (validation loss, validation top-1)}."""
    log = read_log(run / LOG)
    start = next(r for r in log if r["event"] == "start")
    settings = start["settings"]
    base = "batch norm" if settings["batch_norm"] else "plain"
    found: dict[str, dict[int, tuple[float, float]]] = {}
    for record in log:
        if record["event"] not in ("validation", "end"):
            continue
        for prefix, suffix in ARMS.items():
            if f"{prefix}_loss" in record:
                points = found.setdefault(base + suffix, {})
                points[record["step"] * settings["batch_size"]] = (
                    record[f"{prefix}_loss"],
                    record[f"{prefix}_accuracy"],
                )
    return found


def how_trained(run: Path) -> str:
    """The settings the runs share, the machine and precision, from the run's start record."""
    start = next(r for r in read_log(run / LOG) if r["event"] == "start")
    s = start["settings"]
    return (
        f"k={s['k']}, batch {s['batch_size']}, {s['optimizer']} lr {s['lr']} "
        f"({s['warmup_steps']} warm-up steps, {s['schedule']} schedule), weight decay "
        f"{s['weight_decay']}, EMA decay {s['ema']}, seed {s['seed']}, data {s['data']}; "
        f"{start['machine']}, {start['precision']}, {start['threads']} torch thread(s)"
    )


def cell(figures: tuple[float, float] | None) -> str:
    """A table cell: validation top-1 / loss, or nothing where the arm was not validated.

    >>> cell((2.75, 0.3397)), cell(None)
    ('34.0% / 2.750', '')
    """
    return "" if figures is None else f"{100 * figures[1]:.1f}% / {figures[0]:.3f}"


def common_positions(curves: dict[str, dict[int, tuple[float, float]]]) -> list[int]:
    """The positions at which every arm was validated, in order.

    >>> common_positions({"a": {1: (0, 0), 2: (0, 0)}, "b": {2: (0, 0), 3: (0, 0)}})
    [2]
    """
    sets = [set(points) for points in curves.values()]
    return sorted(set.intersection(*sets)) if sets else []


def draw(curves: dict[str, dict[int, tuple[float, float]]], path: Path) -> None:
    """Validation top-1 and loss against positions, one line per arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (top1, loss) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    for name, points in curves.items():
        xs = sorted(points)
        top1.plot(xs, [100 * points[x][1] for x in xs], "o-", ms=3, label=name)
        loss.plot(xs, [points[x][0] for x in xs], "o-", ms=3, label=name)
    for axes, label in ((top1, "validation top-1 (%)"), (loss, "validation loss")):
        axes.set_xlabel("training positions seen")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
    top1.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def text_of(curves: dict[str, dict[int, tuple[float, float]]], runs: list[Path], argv) -> str:
    """The page: what was compared, the table at equal positions, and the leader."""
    names, positions = list(curves), common_positions(curves)
    every = sorted(set().union(*(set(points) for points in curves.values())))
    rows = [[f"{p / 1e6:.3f}M", *(cell(curves[n].get(p)) for n in names)] for p in every]
    leader = "No validation that every arm shares yet."
    if positions:
        last = positions[-1]
        best = max(names, key=lambda n: curves[n][last][1])
        leader = (
            f"At {last:,} positions the leader on validation top-1 is **{best}** "
            f"({100 * curves[best][last][1]:.1f}%)."
        )
    return page(
        "# Recipe at equal positions: plain or batch norm, with or without an EMA",
        [
            f"runs: {', '.join(str(shown(run)) for run in runs)}",
            how_trained(runs[0]),
            "each cell: validation top-1 / validation loss on the validation split's first "
            "positions, the same for every arm; picture: recipe.png beside this page",
        ],
        table(["positions", *names], rows),
        leader,
        host=None,
        command=command_line("recipe", argv),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--run",
        type=Path,
        nargs="+",
        default=[ROOT / "training" / "recipe_plain", ROOT / "training" / "recipe_bn"],
        help="train runs with --ema, alike but for --batch-norm",
    )
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    curves = {name: points for run in args.run for name, points in arms(run).items()}
    path = results_page(args, "recipe")
    draw(curves, path.with_suffix(".png"))
    publish(path, text_of(curves, args.run, argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
