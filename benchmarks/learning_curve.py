"""The long CPU run's accuracy against the positions it has seen, beside published figures.

    python -m benchmarks.learning_curve [--run training/cpu_k64] [--record]

Reads the run's log (validation top-1 on the first 20,000 positions of the validation split,
games it never trains on) and draws it against training positions on a log scale, with the
published points: RocAlphaGo's k=96 network (46.8% after 12M positions, 49.5% after 40M,
plain SGD), the paper's k=192 network (55.4% after 340M steps of 16 positions), and this
project's interim k=32 CPU network (41.6% on its test split after 2.56M). `--record` writes
docs/learning_curve.png and benchmarks/results/learning_curve.md; a trial writes under runs/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alphago_policy.runlog import LOG, read_log
from benchmarks.common import (
    ROOT,
    add_output_arguments,
    command_line,
    publish,
    results_page,
    table,
    utc_now,
)

PUBLISHED = [  # (label, positions, top-1)
    ("RocAlphaGo k=96", 12e6, 0.468),
    ("RocAlphaGo k=96", 40e6, 0.495),
    ("AlphaGo paper k=192", 340e6 * 16, 0.554),
    ("interim k=32 (this project, CPU)", 2.56e6, 0.416),
]


def curve(run: Path) -> list[tuple[int, float]]:
    """(positions seen, validation top-1) at each validation of the run."""
    log = read_log(run / LOG)
    batch = next(r["settings"]["batch_size"] for r in log if r["event"] == "start")
    return [
        (r["step"] * batch, r["val_accuracy"])
        for r in log
        if r["event"] in ("validation", "end") and "val_accuracy" in r
    ]


def draw(points: list[tuple[int, float]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    axes.plot([p for p, _ in points], [100 * a for _, a in points], "o-", ms=3, label=title)
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
    parser.add_argument("--run", type=Path, default=ROOT / "training" / "cpu_k64")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    points = curve(args.run)
    page = results_page(args, "learning_curve")
    picture = ROOT / "docs" / "learning_curve.png" if args.record else page.with_suffix(".png")
    draw(points, f"{args.run.name} (validation)", picture)
    rows = [[f"{p:,}", f"{100 * a:.1f}%"] for p, a in points]
    lines = [
        f"# Learning curve of {args.run.name}",
        "",
        f"- date: {utc_now()}; picture: {picture.relative_to(ROOT)}",
        "- validation top-1 on the first 20,000 positions of the validation split",
        "",
        *table(["positions seen", "validation top-1"], rows, align="rr"),
        "",
        *table(["published", "positions", "top-1"],
               [[label, f"{p:,.0f}", f"{100 * a:.1f}%"] for label, p, a in PUBLISHED], "lrr"),
        "",
        f"Reproduce: `{command_line('learning_curve', argv)}`",
    ]  # fmt: skip
    publish(page, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
