"""Ship a training run's network: measure it on its data's test split, add those figures and
the training time to its model card, and write it where play.py, gtp and evaluate find it.

    python -m alphago_policy ship runs/k192
    python -m alphago_policy ship runs/k192 --to elsewhere/policy.pt

The run directory is what `train` wrote: `checkpoint.pt` (settings, steps, training time) and
`policy_k<k>.pt` (the weights and the card of that checkpoint). A run whose checkpoint stayed
behind (on a lent GPU machine, say) ships from its weights alone: their card holds the same
settings and training time. The test split is the one of
the data the run was trained on (prepared, or the test games of its game records, of which
`--max-games N` takes the first N), so the positions are from games it never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm import tqdm

from alphago_policy import checkpoint as ckpt
from alphago_policy import evaluate as ev
from alphago_policy.cli import positive_int
from alphago_policy.layout import is_prepared
from alphago_policy.policy import DEFAULT_WEIGHTS, Policy, load_policy, save_weights
from alphago_policy.runtime import pick_device
from sgf_data.reader import read_games

BATCH = 512


def test_arrays(data: str, max_games: int | None) -> Iterator[ev.Arrays]:
    """The test split of the run's data: a prepared directory's, or the test games of game
    records (the first `max_games` of them in the records' order, when given)."""
    if is_prepared(data):
        return ev.prepared_arrays(Path(data), "test", BATCH)
    games = islice(ev.split_games(read_games(data, unique=True), "test"), max_games)
    return ev.game_arrays(games, [])


def trained_weights(run: Path, device: str) -> tuple[Policy, dict[str, Any], float]:
    """The run's weights on `device`, its settings and its training seconds: from the
    checkpoint and the weights of its step, or from the run's one weights file where there is
    no checkpoint."""
    if not ckpt.path_of(run).exists():
        files = sorted(run.glob("policy_k*.pt"))
        if len(files) != 1:
            raise ValueError(f"{run}: no checkpoint.pt and not one policy_k*.pt: not a run")
        policy = load_policy(files[0], device=device)
        return policy, policy.card["settings"], policy.card["train_seconds"]
    state = ckpt.load(run)
    policy = load_policy(run / f"policy_k{state.settings['k']}.pt", device=device)
    if policy.card.get("steps") != state.step:
        raise ValueError(f"{run}: the weights file is not of the checkpoint's step {state.step}")
    return policy, state.settings, state.elapsed_seconds


def ship(
    run: str | Path,
    to: str | Path = DEFAULT_WEIGHTS,
    device: str = "cpu",
    progress: bool = True,
    max_games: int | None = None,
) -> dict:
    """Evaluate the run's weights on the test split and write them with the extended card to
    `to`; return that card."""
    policy, settings, seconds = trained_weights(Path(run), device)
    chunks = test_arrays(settings["data"], max_games)
    batches = ev.decoded(ev.rebatched(chunks, BATCH), device)
    bar = tqdm(batches, unit="batch", desc="test split", disable=not progress, file=sys.stderr)
    rows = ev.evaluate(policy.model, bar, device).rows()
    if rows[-1]["positions"] == 0:
        raise ValueError(f"{settings['data']}: the test split is empty; nothing to measure")
    card: dict[str, Any] = {
        **policy.card,
        "train_seconds": round(seconds),
        "test": rows,
        "test_games": "all" if max_games is None else f"the first {max_games} of the split",
    }
    save_weights(policy.model, to, card)
    return card


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN", help="a training run's directory (its --out)")
    parser.add_argument(
        "--to", default=str(DEFAULT_WEIGHTS), help=f"where to write (default: {DEFAULT_WEIGHTS})"
    )
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument(
        "--max-games", type=positive_int, help="game records: only the first N test games"
    )


def run(args: argparse.Namespace) -> int:
    card = ship(args.run_dir, args.to, pick_device(args.device), max_games=args.max_games)
    overall = card["test"][-1]
    print(ev.format_table(card["test"]))
    print(json.dumps({"to": args.to, "steps": card["steps"], "test_top1": overall["top1"]}))
    return 0
