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
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from alphago_policy.cli import fail, positive_int
from alphago_policy.files import atomic_open
from alphago_policy.layout import SPLITS, is_prepared, split_of
from alphago_policy.policy import load_policy

PHASES = ("moves 1-50", "moves 51-150", "moves 151+")
PHASE_ENDS = np.array([50, 150])  # the last move number of each phase but the last
TOP_K = 5


def phase_of(move_numbers: np.ndarray) -> np.ndarray:
    """The phase index (0, 1, 2) of each move number (counted from 1).

    >>> phase_of(np.array([1, 50, 51, 150, 151, 300])).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    return np.searchsorted(PHASE_ENDS, move_numbers, side="left")


@dataclass
class Tally:
    """Running sums per phase: positions, top-1 hits, top-5 hits, negative log-likelihood."""

    positions: np.ndarray = field(default_factory=lambda: np.zeros(len(PHASES), np.int64))
    top1: np.ndarray = field(default_factory=lambda: np.zeros(len(PHASES), np.int64))
    top5: np.ndarray = field(default_factory=lambda: np.zeros(len(PHASES), np.int64))
    nll: np.ndarray = field(default_factory=lambda: np.zeros(len(PHASES), np.float64))

    def add(self, logits: torch.Tensor, labels: torch.Tensor, move_numbers: np.ndarray) -> None:
        """Count one batch: logits (B, 361), labels (B,), move numbers (B,)."""
        logits = logits.float()
        ranked = logits.topk(TOP_K, dim=1).indices
        hit = ranked == labels[:, None]
        nll = F.cross_entropy(logits, labels, reduction="none")
        phase = phase_of(np.asarray(move_numbers))
        per_phase = (
            np.bincount(phase, weights=v, minlength=len(PHASES))
            for v in (hit[:, 0].cpu().numpy(), hit.any(1).cpu().numpy(), nll.double().cpu().numpy())
        )
        top1, top5, nll_sum = per_phase
        self.positions += np.bincount(phase, minlength=len(PHASES))
        self.top1 += top1.astype(np.int64)
        self.top5 += top5.astype(np.int64)
        self.nll += nll_sum

    def rows(self) -> list[dict[str, float | int | str]]:
        """One row per phase, then the whole: positions, top1, top5 (fractions), nll (mean);
        the figures are None for a phase without positions (games that end before it)."""
        groups = [(name, slice(i, i + 1)) for i, name in enumerate(PHASES)]
        rows = []
        for name, part in [*groups, ("all", slice(None))]:
            n = int(self.positions[part].sum())
            rows.append(
                {
                    "phase": name,
                    "positions": n,
                    "top1": float(self.top1[part].sum() / n) if n else None,
                    "top5": float(self.top5[part].sum() / n) if n else None,
                    "nll": float(self.nll[part].sum() / n) if n else None,
                }
            )
        return rows


class SymmetryAveraged(torch.nn.Module):
    """A network averaged over the 8 symmetries of the board: the mean of its move
    probabilities on each turned board, turned back; returns their log (the paper's
    headline accuracy, 57.0% for k=256, is of such an average)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        from alphago_policy.symmetries import MOVE, NUM_SYMMETRIES

        self.model = model
        self.register_buffer("back", torch.from_numpy(MOVE[:, :361]).long())
        self.count = NUM_SYMMETRIES

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from alphago_policy.symmetries import transform

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


def game_arrays(games: Iterable, skipped: list[str]) -> Iterator[Arrays]:
    """The coded positions of each game, computed as `prepare` does; a game whose features
    fail is left out and noted in `skipped`."""
    from alphago_policy.prepare import game_positions

    for index, game in enumerate(games):
        try:
            arrays = game_positions(game, index)
        except Exception as error:  # one broken game skips that game only
            skipped.append(f"{game.source} ({game.game_id}): {type(error).__name__}: {error}")
            continue
        yield arrays["codes"], arrays["labels"], arrays["plies"]


def split_games(games: Iterable, split: str | None) -> Iterator:
    """The games of `split` (by the hash of their id, as prepare and train split them); all
    games for None."""
    return iter(games) if split is None else (g for g in games if split_of(g.game_id) == split)


def prepared_arrays(data_dir: Path, split: str, size: int) -> Iterator[Arrays]:
    """A prepared data directory's split, in order, `size` positions at a time."""
    from alphago_policy.dataset import PositionDataset

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
    from alphago_policy.dataset import Decoder

    decode = Decoder(device)
    for codes, labels, plies in batches:
        codes = torch.from_numpy(np.asarray(codes, np.uint16).view(np.int16))
        x, y = decode(codes, torch.from_numpy(np.asarray(labels, np.int64)), None)
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
    with atomic_open(path) as file:
        fig.savefig(file, dpi=120, format=Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "data", nargs="+", help="SGF files, directories, archives, or one prepared data directory"
    )
    parser.add_argument(
        "--weights", help="weights file (default: the shipped weights, else a random network)"
    )
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
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument(
        "--symmetries", action="store_true", help="average the network over the 8 symmetries"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw accuracy by phase")


def run(args: argparse.Namespace) -> int:
    from alphago_policy.policy import WeightsError
    from sgf_data import LoadSummary

    summary, skipped = LoadSummary(), []
    try:
        device = checked_device(args.device)
        if args.plot:
            check_plot(args.plot)
        policy = load_policy(args.weights, device=device)
        prepared, source, batches = open_batches(args, device, summary, skipped)
    except (FileNotFoundError, ValueError, WeightsError) as error:
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
        reasons = [f"{s.source}: {s.reason}" for s in summary.skipped] + skipped
        report |= {"games": summary.games, "skipped_games": reasons}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{policy.description}\non {source}")
        if not prepared:
            print(what_was_read(summary, skipped))
        print(format_table(rows))
    if args.plot:
        plot(rows, f"{policy.description}\n{source}", args.plot)
    return 0


def what_was_read(summary, skipped: list[str]) -> str:
    """The reader's summary, and the games whose features failed, in one line."""
    return f"{summary}" + (f", and {len(skipped)} whose features failed" if skipped else "")


def checked_device(name: str) -> str:
    """The device to run on; ValueError for cuda where torch sees none."""
    from alphago_policy.runtime import pick_device

    device = pick_device(name)
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"--device cuda: torch {torch.__version__} sees no CUDA device here; "
            "use --device cpu (or auto)"
        )
    return device


def check_plot(path: str) -> None:
    """ValueError now, before any work, where --plot could not be drawn or written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ValueError(
            "--plot needs matplotlib: pip install matplotlib (or the project's [plot] extra)"
        ) from None
    if not Path(path).absolute().parent.is_dir():
        raise ValueError(f"--plot {path}: there is no directory {Path(path).parent}")


def open_batches(
    args: argparse.Namespace, device: str, summary, skipped: list[str]
) -> tuple[bool, str, Iterator[Batch]]:
    """(whether DATA is a prepared directory, a name for it, its batches); ValueError or
    FileNotFoundError, naming the input and what to do, where it holds no position."""
    from sgf_data import read_games

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
