"""Games read and moves replayed per second, side by side with RocAlphaGo's pure-Python engine.

Reads the first ``--games`` games of a real SGF archive (tar.gz stream + sgfmill parse), then
replays every game with this project's `Position.play` and with RocAlphaGo's
``AlphaGo/go.py`` ``GameState.do_move`` (the last pure-Python version, commit c764b871, run
from a checkout given by ``--rocalphago``; nothing of it is part of this project), in the same
process, pinned to one core. Both engines keep liberties incrementally. A second, smaller
round also lists the legal moves of every position (``legal_points`` against RocAlphaGo's
``get_legal_moves``). The final boards of both engines are compared game by game.

    git clone https://github.com/Rochester-NRT/RocAlphaGo /tmp/RocAlphaGo
    git -C /tmp/RocAlphaGo checkout c764b871
    python -m benchmarks.replay --rocalphago /tmp/RocAlphaGo [--archive ARCHIVE] [--record]

``--archive`` is a tar.gz of SGF games; by default the collection beside the checkout,
``../shared/data/sgf/tygem-9d/tygem-9d-2011-01.tar.gz`` (run from the checkout's root).

Prints a table with the machine and the date; `--record` writes it to
benchmarks/results/replay.md (a trial goes to runs/benchmarks/replay.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sgfmill import sgf

from benchmarks.common import (
    add_output_arguments,
    cold_and_warm_seconds,
    command_line,
    machine,
    page,
    pin_to_one_core,
    publish,
    results_page,
    table,
)
from sgf_data.board import IllegalMove, Position
from sgf_data.coords import Move

DEFAULT_ARCHIVE = Path("../shared/data/sgf/tygem-9d/tygem-9d-2011-01.tar.gz")


@dataclass(frozen=True)
class Settings:
    archive: Path
    games: int
    legal_games: int
    rounds: int
    rocalphago: Path
    out: Path


@dataclass(frozen=True)
class Record:
    """The setup stones and main-line moves of one game."""

    black: tuple[tuple[int, int], ...]
    white: tuple[tuple[int, int], ...]
    moves: tuple[Move, ...]


@dataclass
class Timing:
    label: str
    games: int
    moves: int
    seconds: float

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds else float("nan")

    def cells(self, ratio: str) -> list[str]:
        """This timing's row of the results table."""
        return [
            self.label,
            str(self.games),
            str(self.moves),
            f"{self.seconds:.2f}",
            f"{self.rate(self.games):,.0f}",
            f"{self.rate(self.moves):,.0f}",
            ratio,
        ]


def read_archive(path: Path, limit: int) -> tuple[list[Record], int]:
    """The first ``limit`` 19x19 games of a tar archive, and how many files were unreadable."""
    records, unreadable = [], 0
    with tarfile.open(path, "r|*") as archive:
        for member in archive:
            if len(records) == limit:
                break
            if not member.isfile() or not member.name.endswith(".sgf"):
                continue
            try:
                game = sgf.Sgf_game.from_bytes(archive.extractfile(member).read())
            except ValueError:
                unreadable += 1
                continue
            if game.get_size() != 19:
                continue
            black, white, _ = game.get_root().get_setup_stones()
            moves = tuple(
                (colour, point)
                for colour, point in (node.get_move() for node in game.get_main_sequence()[1:])
                if colour is not None
            )
            records.append(Record(tuple(sorted(black)), tuple(sorted(white)), moves))
    return records, unreadable


def replay_ours(record: Record, legal: bool = False) -> np.ndarray:
    """Replay with this project's engine; the final board as 0 / 1 black / 2 white."""
    position = Position.from_setup(record.black, record.white)
    for colour, point in record.moves:
        if legal:
            position.legal_points(colour)
        position.play(colour, point)
    return position.stones()


def load_rocalphago(checkout: Path):
    """RocAlphaGo's go.py module, loaded from its file with numpy 2 aliases it still uses."""
    np.int = int  # removed from numpy in 1.24; go.py uses it for dtypes
    path = checkout / "AlphaGo" / "go.py"
    if not path.exists():
        raise SystemExit(f"{path} not found: check out RocAlphaGo commit c764b871 there")
    spec = importlib.util.spec_from_file_location("rocalphago_go", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rocalphago_replayer(go) -> Callable[[Record, bool], np.ndarray]:
    colours = {"b": go.BLACK, "w": go.WHITE}

    def replay(record: Record, legal: bool = False) -> np.ndarray:
        state = go.GameState(size=19)
        for colour, points in (("b", record.black), ("w", record.white)):
            for point in points:
                state.do_move(point, colours[colour])
        state.history = []
        state.current_player = go.BLACK
        for colour, point in record.moves:
            if legal:
                state.current_player = colours[colour]
                state.get_legal_moves()
            state.do_move(point, colours[colour])
        board = state.board.astype(np.int8)
        return np.where(board == go.WHITE, 2, board).astype(np.int8)

    return replay


def playable(records: list[Record]) -> tuple[list[Record], int]:
    """The games our engine accepts whole (the others are left out of both replays)."""
    good = []
    for record in records:
        try:
            replay_ours(record)
        except (IllegalMove, ValueError):
            continue
        good.append(record)
    return good, len(records) - len(good)


def side_by_side(
    replays: dict[str, Callable[[Record, bool], np.ndarray]],
    records: list[Record],
    rounds: int,
    legal: bool,
) -> tuple[list[Timing], list[list[np.ndarray]]]:
    """Best of ``rounds`` timed replays of all records by each engine, and their final boards.

    The engines take turns within each round, so that a change in the machine's load
    during the run weighs on both alike; each is warmed up first.
    """
    best = dict.fromkeys(replays, float("inf"))
    boards = {}
    for replay in replays.values():
        replay(records[0], legal)
    for _ in range(rounds):
        for label, replay in replays.items():
            start = time.perf_counter()
            boards[label] = [replay(record, legal) for record in records]
            best[label] = min(best[label], time.perf_counter() - start)
    moves = sum(len(r.moves) for r in records)
    timings = [Timing(label, len(records), moves, best[label]) for label in replays]
    return timings, list(boards.values())


def cold_start_seconds() -> tuple[float, float]:
    """Seconds to import the engine and run every kernel once: empty numba cache, then warm."""
    return cold_and_warm_seconds(
        "from sgf_data.board import Position; "
        "p = Position.from_setup([(3, 3)]); p.play('w', (3, 4)); p.legal_points('b'); "
        "p.copy().string((3, 3))"
    )


def results_table(read: Timing, pairs: list[tuple[Timing, Timing]]) -> list[str]:
    rows = [read.cells("")]
    for ours, theirs in pairs:
        ratio = theirs.seconds / ours.seconds
        rows += [ours.cells(f"**{ratio:.1f}x**"), theirs.cells("1.0x")]
    return table(["stage", "games", "moves", "seconds", "games/s", "moves/s", "ratio"], rows)


def run(settings: Settings) -> None:
    host = machine("cpu", pin_to_one_core(), "load average taken at the start")
    go = load_rocalphago(settings.rocalphago)
    theirs_replay = rocalphago_replayer(go)
    cold, warm = cold_start_seconds()

    start = time.perf_counter()
    records, unreadable = read_archive(settings.archive, settings.games)
    read_seconds = time.perf_counter() - start
    read = Timing(
        "read: tar.gz + sgfmill parse",
        len(records),
        sum(len(r.moves) for r in records),
        read_seconds,
    )
    records, refused = playable(records)

    pairs, disagreements = [], 0
    for legal, subset, suffix in (
        (False, records, ""),
        (True, records[: settings.legal_games], " + all legal moves each position"),
    ):
        engines = {
            f"replay{suffix}: this project": replay_ours,
            f"replay{suffix}: RocAlphaGo go.py": theirs_replay,
        }
        (ours, theirs), (our_boards, their_boards) = side_by_side(
            engines, subset, settings.rounds, legal
        )
        disagreements += sum(
            not np.array_equal(a, b) for a, b in zip(our_boards, their_boards, strict=True)
        )
        pairs.append((ours, theirs))

    text = page(
        "# Replay benchmark",
        [
            f"data: first {settings.games} games of `{settings.archive.name}` "
            f"({unreadable} unreadable files, {refused} games with an illegal move left out)",
            f"peer: RocAlphaGo `AlphaGo/go.py` at c764b871 (pure Python, incremental liberty "
            f"sets), same process; best of {settings.rounds} rounds, the two engines taking "
            "turns",
            f"final boards that differ between the two engines: {disagreements}",
            f"first import and one call of each kernel: {cold:.1f} s with an empty numba cache "
            f"(compilation), {warm:.1f} s with the cache",
        ],
        results_table(read, pairs),
        "Ratio: RocAlphaGo's time over ours, on the same games.",
        host=host,
        command=command_line("replay"),
    )
    publish(settings.out, text)


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--archive", type=Path, default=DEFAULT_ARCHIVE, help=f"default: {DEFAULT_ARCHIVE}"
    )
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument(
        "--legal-games",
        type=int,
        default=50,
        help="games replayed again listing all legal moves of each position",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rocalphago", type=Path, default=Path("/tmp/RocAlphaGo"))
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        parser.error(f"--archive {args.archive}: no such file; give a tar.gz of SGF games")
    out = results_page(args, "replay")
    return Settings(args.archive, args.games, args.legal_games, args.rounds, args.rocalphago, out)


if __name__ == "__main__":
    run(parse_args())
