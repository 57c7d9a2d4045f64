"""Measure how well a policy network predicts expert moves: top-1/top-5 accuracy, mean negative
log-likelihood, and accuracy by phase of the game.

    python -m alphago_policy evaluate --weights runs/k192/policy_k192.pt games/*.sgf
    python -m alphago_policy evaluate data/prepared --split test --json
    python -m alphago_policy evaluate collection.tar.gz --plot accuracy.png

DATA is either game records (SGF files, directories, .zip/.tar.gz archives: anything
`sgf_data.read_games` reads) or one prepared data directory (with --split). The figures are
over the network's softmax on all 361 points, as in training and in the paper; pass moves are
not predicted and are left out. Move numbers count from 1 and include passes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from alphago_policy.cli import add_device, add_weights, checked_device, fail, positive_int
from alphago_policy.dataset import PositionDataset
from alphago_policy.files import PROBE_BYTES, check_room, save_figure, write_failed
from alphago_policy.layout import SPLITS, is_prepared, split_of
from alphago_policy.metrics import Tally
from alphago_policy.policy import WeightsError, load_policy
from alphago_policy.positions import Decoder, coded_games
from alphago_policy.symmetries import MOVE, NUM_SYMMETRIES, transform
from sgf_data.reader import GameRecord, LoadSummary, Skip, read_games


class SymmetryAveraged(torch.nn.Module):
    """A network averaged over the 8 symmetries of the board: the mean of its move
    probabilities on each turned board, turned back; returns their log (the paper's
    headline accuracy, 57.0% for k=256, is of such an average)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model
        self.register_buffer("back", torch.from_numpy(MOVE[:, :361]).long())
        self.count = NUM_SYMMETRIES

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = 0
        for k in range(self.count):
            turned = self.model(transform(x, k).contiguous()).float().softmax(1)
            total = total + turned[:, self.back[k]]
        return (total / self.count).log()


Batch = tuple[torch.Tensor, torch.Tensor, np.ndarray]  # x (B,48,19,19), labels (B,), move numbers


@torch.inference_mode()
def evaluate(model: torch.nn.Module, batches: Iterable[Batch], device: str = "cpu") -> Tally:
    """Tally the model's predictions over batches of positions."""
    model.eval()
    tally = Tally()
    for x, labels, move_numbers in batches:
        tally.add(model(x.to(device)), labels.to(device), move_numbers)
    return tally


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # codes (N, 361), labels (N,), plies (N,)


def game_arrays(games: Iterable[GameRecord], skipped: list[Skip]) -> Iterator[Arrays]:
    """The coded positions of each game (alphago_policy.positions), a game that cannot be
    coded skipped, named and put in `skipped`."""
    for _, arrays in coded_games(games, skipped):
        yield arrays["codes"], arrays["labels"], arrays["plies"]


def split_games(games: Iterable[GameRecord], split: str | None) -> Iterator[GameRecord]:
    """The games of `split` (by the hash of their id, as prepare and train split them); all
    games for None."""
    return iter(games) if split is None else (g for g in games if split_of(g.game_id) == split)


def prepared_arrays(data_dir: Path, split: str, size: int) -> Iterator[Arrays]:
    """A prepared data directory's split, in order, `size` positions at a time."""
    dataset = PositionDataset(data_dir, split)
    for start in range(0, len(dataset), size):
        indices = np.arange(start, min(start + size, len(dataset)))
        yield tuple(dataset.gather(indices, array) for array in ("codes", "labels", "plies"))


def rebatched(chunks: Iterable[Arrays], size: int) -> Iterator[Arrays]:
    """The same positions in batches of exactly `size` (the last may be smaller).

    >>> chunks = [(np.zeros((3, 361)), np.arange(3), np.arange(3)), (np.zeros((2, 361)),
    ...           np.arange(2), np.arange(2))]
    >>> [len(labels) for _, labels, _ in rebatched(chunks, 4)]
    [4, 1]
    """
    pending: list[Arrays] = []
    count = 0
    for chunk in chunks:
        pending.append(chunk)
        count += len(chunk[1])
        while count >= size:
            joined = [np.concatenate(parts) for parts in zip(*pending, strict=True)]
            yield tuple(part[:size] for part in joined)
            pending = [tuple(part[size:] for part in joined)]
            count -= size
    if count:
        yield tuple(np.concatenate(parts) for parts in zip(*pending, strict=True))


def decoded(batches: Iterable[Arrays], device: str) -> Iterator[Batch]:
    """Coded batches as network input on `device`, with move numbers counted from 1."""
    decode = Decoder(device)
    for codes, labels, plies in batches:
        x, y = decode(codes, labels)
        yield x, y, np.asarray(plies, np.int64) + 1


def format_table(rows: list[dict]) -> str:
    """The figures as an aligned text table ("-" for a phase without positions).

    >>> print(format_table([{"phase": "all", "positions": 8, "top1": 0.5, "top5": 0.75,
    ...                      "nll": 2.0}, {"phase": "moves 151+", "positions": 0, "top1": None,
    ...                      "top5": None, "nll": None}]))
    phase           positions   top-1   top-5    NLL
    all                     8   50.0%   75.0%  2.000
    moves 151+              0       -       -      -
    """

    def percent(fraction: float | None) -> str:
        return f"{'-':>7}" if fraction is None else f"{100 * fraction:>6.1f}%"

    lines = [f"{'phase':<14} {'positions':>10} {'top-1':>7} {'top-5':>7} {'NLL':>6}"]
    for r in rows:
        nll = f"{'-':>6}" if r["nll"] is None else f"{r['nll']:>6.3f}"
        top1, top5 = percent(r["top1"]), percent(r["top5"])
        lines.append(f"{r['phase']:<14} {r['positions']:>10,} {top1} {top5} {nll}")
    return "\n".join(lines)


def plot(rows: list[dict], title: str, path: str) -> None:
    """Bar chart of top-1 and top-5 accuracy per phase, written to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["phase"] for r in rows]
    xs = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(7, 4))
    for offset, key, label in ((-0.2, "top1", "top-1"), (0.2, "top5", "top-5")):
        values = [r[key] for r in rows]
        bars = ax.bar(xs + offset, [100 * (v or 0) for v in values], 0.4, label=label)
        labels = ["-" if v is None else f"{100 * v:.1f}" for v in values]
        ax.bar_label(bars, labels, fontsize=8)
    ax.set_xticks(xs, names)
    ax.set_ylabel("expert move predicted (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title, fontsize=9)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "data", nargs="+", help="SGF files, directories, archives, or one prepared data directory"
    )
    add_weights(parser)
    parser.add_argument(
        "--split",
        choices=SPLITS,
        help="a prepared directory: the split to measure (default: test); game records: only "
        "the games of this split, as prepare and train split them (default: every game)",
    )
    parser.add_argument("--batch-size", type=positive_int, default=256)
    parser.add_argument(
        "--max-games", type=positive_int, help="only the first N games of game records"
    )
    add_device(parser)
    parser.add_argument(
        "--symmetries", action="store_true", help="average the network over the 8 symmetries"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw accuracy by phase")


def run(args: argparse.Namespace) -> int:
    summary, skipped = LoadSummary(), []
    try:
        device = checked_device(args.device)
        if args.plot:
            check_plot(args.plot)
        policy = load_policy(args.weights, device=device)
        prepared, source, batches = open_batches(args, device, summary, skipped)
    except (OSError, ValueError, WeightsError) as error:
        return fail(error)
    progress = tqdm(batches, unit="batch", disable=args.json, file=sys.stderr)
    model = SymmetryAveraged(policy.model).to(device) if args.symmetries else policy.model
    rows = evaluate(model, progress, device).rows()
    report = {
        "weights": str(args.weights or "default"),
        "network": policy.description + (", 8 symmetries averaged" * args.symmetries),
        "data": source,
        "rows": rows,
    }
    if not prepared:
        reasons = [str(skip) for skip in [*summary.skipped, *skipped]]
        report |= {"games": summary.games, "skipped_games": reasons}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{policy.description}\non {source}")
        if not prepared:
            print(what_was_read(summary, skipped))
        print(format_table(rows))
    if args.plot:
        try:
            plot(rows, f"{policy.description}\n{source}", args.plot)
        except OSError as error:
            return fail(write_failed(args.plot, error))
    return 0


def what_was_read(summary: LoadSummary, skipped: list[Skip]) -> str:
    """The reader's summary, and the games whose features failed, in one line."""
    return f"{summary}" + (f", and {len(skipped)} whose features failed" if skipped else "")


def check_plot(path: str) -> None:
    """ValueError or OSError now, before any work, where --plot could not be drawn or written
    (no matplotlib; a directory that is missing, read-only or full)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ValueError(
            "--plot needs matplotlib: pip install matplotlib (or the project's [plot] extra)"
        ) from None
    if Path(path).is_dir():
        raise OSError(f"--plot {path}: a directory; give the file to write, like accuracy.png")
    check_room(Path(path).absolute().parent, PROBE_BYTES, f"--plot {path}")


def open_batches(
    args: argparse.Namespace, device: str, summary: LoadSummary, skipped: list[Skip]
) -> tuple[bool, str, Iterator[Batch]]:
    """(whether DATA is a prepared directory, a name for it, its batches); ValueError or
    FileNotFoundError, naming the input and what to do, where it holds no position (or a
    prepared directory is damaged: layout.PreparedDataError)."""
    prepared = len(args.data) == 1 and is_prepared(args.data[0])
    if prepared:
        split = args.split or "test"
        chunks = prepared_arrays(Path(args.data[0]), split, args.batch_size)
        source = f"{args.data[0]} ({split} split)"
    else:
        games = split_games(read_games(*args.data, summary=summary, unique=True), args.split)
        chunks = game_arrays(islice(games, args.max_games), skipped)
        source = " ".join(args.data) + (f" ({args.split} split)" if args.split else "")
    batches = decoded(rebatched(chunks, args.batch_size), device)
    first = next(batches, None)
    if first is None:
        if prepared:
            raise ValueError(
                f"{args.data[0]}: the {split} split holds no positions; "
                f"choose another --split ({', '.join(SPLITS)})"
            )
        raise ValueError(
            f"no position to evaluate in {source}: {what_was_read(summary, skipped)}; "
            "give 19x19 game records "
            "(.sgf files, directories or archives of them)"
        )
    return prepared, source, chain([first], batches)
