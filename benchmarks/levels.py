"""How often each strength level plays the expert's move: the spacing of the ladder, measured
on test positions before any game.

    python -m benchmarks.levels [--data ../shared/data/sgf] [--games 30] [--record]

For every test position of the first --games test games (as `evaluate --split test` reads
them) and every level, the probability that the level plays the move the 9-dan played, exactly
(no sampling): among the n sensible points (feature plane 46: legal, not filling an own eye),
the expert's move ranked r by the level's network, the best of M drawn at random is that
move with probability C(n - r, M - 1) / C(n, M); with all points (M = 0) when r = 1; a move
sampled at temperature T is it with its share of p^(1/T) over the sensible points. The
levels that average over symmetries are measured by benchmarks.symmetries instead.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass

import numpy as np
import torch

from alphago_policy.cli import fail, positive_int
from alphago_policy.evaluate import open_batches
from alphago_policy.policy import WeightsError
from alphago_policy.strength import LEVELS, Level, policy_for
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    publish,
    results_page,
    table,
    utc_now,
)
from sgf_data import LoadSummary

NAME = "levels"
SENSIBLE = 46  # the sensibleness feature plane


def best_of_drawn(rank: int, points: int, picks: int) -> float:
    """The chance that the best of `picks` points drawn from `points` is the one ranked
    `rank` (1 = the best of all); `picks` 0 draws them all.

    >>> best_of_drawn(1, 10, 0), best_of_drawn(2, 10, 0)
    (1.0, 0.0)
    >>> round(best_of_drawn(1, 10, 3), 3), round(best_of_drawn(10, 10, 3), 3)
    (0.3, 0.0)
    >>> round(sum(best_of_drawn(r, 10, 3) for r in range(1, 11)), 6)
    1.0
    """
    if picks == 0 or picks >= points:
        return float(rank == 1)
    if points - rank < picks - 1:
        return 0.0

    def log_choose(n: int, k: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)

    return math.exp(log_choose(points - rank, picks - 1) - log_choose(points, picks))


@dataclass
class Expert:
    """A batch as one network sees it: the expert move's rank among the sensible points (0
    when the move is not sensible), the number of sensible points, and the network's logits
    masked to them."""

    ranks: list[int]
    counts: list[int]
    logits: torch.Tensor
    labels: torch.Tensor

    def chance(self, level: Level) -> float:
        """The summed chance over the batch that `level` plays the expert's move."""
        if level.temperature > 0:  # sampled from p^(1/T) over the sensible points
            scaled = (self.logits / level.temperature).log_softmax(1)
            return float(scaled.gather(1, self.labels[:, None]).exp().nan_to_num(0.0).sum())
        pairs = zip(self.ranks, self.counts, strict=True)
        return sum(best_of_drawn(r, n, level.picks) for r, n in pairs if r)


@torch.inference_mode()
def expert(model: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor) -> Expert:
    """How the network ranks the expert's moves of a batch (see `Expert`)."""
    sensible = x[:, SENSIBLE].reshape(len(x), -1) > 0
    logits = model(x).float().masked_fill(~sensible, -math.inf)
    chosen = logits.gather(1, labels[:, None])
    ranks = (logits > chosen).sum(1) + 1
    ranks = torch.where(sensible.gather(1, labels[:, None])[:, 0], ranks, 0)
    return Expert(ranks.tolist(), sensible.sum(1).tolist(), logits, labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/sgf", help="game records")
    parser.add_argument("--games", type=positive_int, default=30, help="first N test games")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch threads")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    levels = [level for level in LEVELS if level.symmetries == 1]
    request = argparse.Namespace(
        data=[args.data], split="test", max_games=args.games, batch_size=128
    )
    try:
        networks = {level.weights: policy_for(level).model for level in levels}
        _, source, batches = open_batches(request, "cpu", LoadSummary(), [])
    except (FileNotFoundError, ValueError, WeightsError) as error:
        return fail(error)
    chance, positions = np.zeros(len(levels)), 0
    for x, labels, _ in batches:
        found = {name: expert(model, x, labels) for name, model in networks.items()}
        for i, level in enumerate(levels):
            chance[i] += found[level.weights].chance(level)
        positions += len(labels)
    rows = [
        [level.number, level.describe().split(": ", 1)[1], f"{100 * c / positions:.1f}%"]
        for level, c in zip(levels, chance, strict=True)
    ]
    text = "\n".join(
        [
            "# Strength levels: how often each plays the expert's move",
            "",
            f"- date: {utc_now()}",
            f"- machine: {machine()}",
            f"- positions: {positions:,} of the first {args.games} test games ({source})",
            "",
            *table(["level", "how it plays", "plays the expert's move"], rows, "rll"),
            "",
            "Exact chances, not samples (see the module). Level 10 (8 symmetries) is measured "
            "in symmetries.md.",
            "",
            f"Reproduce: `{command_line(NAME, argv)}`",
            "",
        ]
    )
    publish(results_page(args, NAME), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
