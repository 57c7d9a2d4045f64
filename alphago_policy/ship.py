"""Ship a training run's network: measure it on its data's test split, add those figures and
the training time to its model card, and write it where play.py, gtp and evaluate find it.

    python -m alphago_policy ship runs/k192
    python -m alphago_policy ship runs/k192 --to elsewhere/policy.pt

The run directory is what `train` wrote: `checkpoint.pt` (settings, steps, training time) and
`policy_k<k>.pt` (the weights and the card of that checkpoint). A run whose checkpoint stayed
behind (on a lent GPU machine, say), or whose checkpoint cannot be read, ships from its weights
alone: their card holds the same settings and training time. The test split is the one of
the data the run was trained on (prepared, or the test games of its game records, of which
`--max-games N` takes the first N), so the positions are from games it never saw. Where the
weights go (`--to`) is checked before the evaluation: a read-only or full disk is named at once.
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

from alphago_policy import evaluate as ev
from alphago_policy.checkpoint import CheckpointError
from alphago_policy.cli import add_device, checked_device, fail, positive_int
from alphago_policy.files import OutputError, check_room, reason, write_failed
from alphago_policy.layout import is_prepared
from alphago_policy.policy import DEFAULT_WEIGHTS, Policy, WeightsError, load_policy, save_weights
from alphago_policy.run_dir import WEIGHTS, RunDir
from sgf_data.reader import read_games

BATCH = 512
ROOM = 2**16  # bytes for the card beside the weights, at most


class ShipError(ValueError):
    """The run cannot be shipped: the message says which file or data and why."""


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
    no checkpoint, or none that can be read (a warning says so)."""
    run_dir = RunDir(run)
    state = None
    if run_dir.has_checkpoint():
        try:
            state = run_dir.checkpoint()
        except CheckpointError as error:
            print(f"warning: {error} Shipping the run's weights file instead.", file=sys.stderr)
    if state is None:
        return weights_alone(run_dir, device)
    policy = load_policy(run_dir.weights(state.settings["k"]), device=device)
    if policy.card.get("steps") != state.step:
        raise ShipError(f"{run}: the weights file is not of the checkpoint's step {state.step}")
    return policy, state.settings, state.elapsed_seconds


def weights_alone(run_dir: RunDir, device: str) -> tuple[Policy, dict[str, Any], float]:
    """The run's one weights file, with the settings and training time its card records."""
    files = run_dir.weights_files()
    if len(files) != 1:
        raise ShipError(
            f"{run_dir.path}: no readable checkpoint.pt and not one {WEIGHTS}<k>.pt: not a run"
        )
    policy = load_policy(files[0], device=device)
    if not {"settings", "train_seconds"} <= policy.card.keys():
        raise ShipError(f"{files[0]}: its card does not say how it was trained: not a run's")
    return policy, policy.card["settings"], policy.card["train_seconds"]


def check_destination(to: Path, policy: Policy) -> None:
    """Refuse (OutputError), before the evaluation, a place the weights cannot be written."""
    if to.is_dir():
        raise OutputError(f"--to {to} is a directory: give the weights file's name")
    try:
        to.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"--to {to}: cannot make its directory ({reason(error)})") from error
    size = sum(t.numel() * 2 for t in policy.model.state_dict().values())  # half precision
    check_room(to.parent, size + ROOM)


def ship(
    run: str | Path,
    to: str | Path = DEFAULT_WEIGHTS,
    device: str = "cpu",
    progress: bool = True,
    max_games: int | None = None,
) -> dict:
    """Evaluate the run's weights on the test split and write them with the extended card to
    `to`; return that card. ShipError, WeightsError or OutputError say why it cannot."""
    policy, settings, seconds = trained_weights(Path(run), device)
    check_destination(Path(to), policy)
    try:
        chunks = test_arrays(settings["data"], max_games)
        batches = ev.decoded(ev.rebatched(chunks, BATCH), device)
        bar = tqdm(batches, unit="batch", desc="test split", disable=not progress, file=sys.stderr)
        rows = ev.evaluate(policy.model, bar, device).rows()
    except (OSError, ValueError) as error:
        raise ShipError(f"{settings['data']} (the run's data): {error}") from error
    if rows[-1]["positions"] == 0:
        raise ShipError(
            f"{settings['data']} (the run's data): its test split holds no position; nothing "
            f"to measure the network on"
        )
    card: dict[str, Any] = {
        **policy.card,
        "train_seconds": round(seconds),
        "test": rows,
        "test_games": "all" if max_games is None else f"the first {max_games} of the split",
    }
    try:
        save_weights(policy.model, to, card)
    except (OSError, RuntimeError) as error:
        raise write_failed(to, error) from error
    return card


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN", help="a training run's directory (its --out)")
    parser.add_argument(
        "--to", default=str(DEFAULT_WEIGHTS), help=f"where to write (default: {DEFAULT_WEIGHTS})"
    )
    add_device(parser)
    parser.add_argument(
        "--max-games", type=positive_int, help="game records: only the first N test games"
    )


def run(args: argparse.Namespace) -> int:
    try:
        device = checked_device(args.device)
    except ValueError as error:
        return fail(error)
    try:
        card = ship(args.run_dir, args.to, device, max_games=args.max_games)
    except (ShipError, WeightsError, OutputError) as error:
        return fail(error)
    overall = card["test"][-1]
    print(ev.format_table(card["test"]))
    print(json.dumps({"to": args.to, "steps": card["steps"], "test_top1": overall["top1"]}))
    return 0
