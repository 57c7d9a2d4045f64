"""Feature planes per second: `sgf_data.features.planes` beside RocAlphaGo's preprocessing.

Takes positions from the first ``--games`` games of a real SGF archive (every ``--every``-th
move), computes all 48 planes, ladders included, with this project's `planes`, and, on the
first ``--peer-positions`` of them, with RocAlphaGo's ``AlphaGo/preprocessing/preprocessing.py``
(the last pure-Python version, commit c764b871, run from a checkout given by ``--rocalphago``
with its 48 default features; nothing of it is part of this project), replayed into its own
``GameState``, in the same process, pinned to one core. Only the feature calls are timed,
CPU time of this process and wall time; both are reported because other jobs share the
machine. The planes of both are compared feature by feature on the shared positions.

    git clone https://github.com/Rochester-NRT/RocAlphaGo /tmp/RocAlphaGo
    git -C /tmp/RocAlphaGo checkout c764b871
    python -m benchmarks.features --rocalphago /tmp/RocAlphaGo [--archive ARCHIVE] [--record]

``--archive`` is a tar.gz of SGF games; by default the collection beside the checkout,
``../shared/data/sgf/tygem-9d/tygem-9d-2011-01.tar.gz`` (run from the checkout's root).

Prints a table with the machine and the date; `--record` writes it to
benchmarks/results/features.md (a trial goes to runs/benchmarks/features.md).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
from sgf_data.board import Position
from sgf_data.features import NUM_PLANES, PLANE_GROUPS, planes
from sgf_data.ladders import MAX_ATARIS, MAX_NODES
from sgf_data.reader import GameRecord, read_games

DEFAULT_ARCHIVE = Path("../shared/data/sgf/tygem-9d/tygem-9d-2011-01.tar.gz")


@dataclass(frozen=True)
class Settings:
    archive: Path
    games: int
    every: int
    peer_positions: int
    rocalphago: Path
    out: Path


@dataclass(frozen=True)
class Sample:
    """A position to compute, and where it comes from (its game and move number)."""

    game: int
    move_number: int
    position: Position


@dataclass
class Timing:
    label: str
    positions: int
    cpu: float
    wall: float

    def cells(self, ratio: str) -> list[str]:
        """This timing's row of the results table."""
        return [
            self.label,
            str(self.positions),
            f"{self.cpu:.2f}",
            f"{self.wall:.2f}",
            f"{self.positions / self.cpu:,.0f}",
            f"{self.positions / self.wall:,.0f}",
            ratio,
        ]


def sample(games: list[GameRecord], every: int) -> list[Sample]:
    """Every ``every``-th position of each game (the position before that move)."""
    samples = []
    for index, game in enumerate(games):
        for number, (position, _move) in enumerate(game.replay(), start=1):
            if number % every == 0:
                samples.append(Sample(index, number, position.copy()))
    return samples


def time_ours(samples: list[Sample], label: str) -> tuple[Timing, list[np.ndarray]]:
    cpu, wall = time.process_time(), time.perf_counter()
    results = [planes(s.position) for s in samples]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Timing(label, len(samples), cpu, wall), results


def load_rocalphago(checkout: Path):
    """RocAlphaGo's go module and Preprocess class, with the shims it needs today: numpy 2
    lost ``np.int``, and preprocessing.py imports keras only to set an image ordering."""
    if not (checkout / "AlphaGo" / "preprocessing" / "preprocessing.py").exists():
        raise SystemExit(f"no RocAlphaGo checkout at {checkout}: see --help")
    np.int = int
    keras = types.ModuleType("keras")
    keras.backend = types.SimpleNamespace(set_image_dim_ordering=lambda ordering: None)
    sys.modules.setdefault("keras", keras)
    sys.modules.setdefault("keras.backend", keras.backend)
    sys.path.insert(0, str(checkout))
    from AlphaGo import go
    from AlphaGo.preprocessing.preprocessing import Preprocess

    return go, Preprocess()


def time_rocalphago(
    go, preprocess, games: list[GameRecord], samples: list[Sample]
) -> tuple[Timing, list[np.ndarray]]:
    """Replay each game into RocAlphaGo's GameState; time its features at the sampled moves."""
    colours = {"b": go.BLACK, "w": go.WHITE}
    wanted = {(s.game, s.move_number) for s in samples}
    results, cpu, wall = {}, 0.0, 0.0
    for index in sorted({s.game for s in samples}):
        game = games[index]
        state = go.GameState(size=19)
        for colour, points in (("b", game.setup_black), ("w", game.setup_white)):
            for point in points:
                state.do_move(point, colours[colour])
        state.history = []
        for number, (colour, point) in enumerate(game.moves, start=1):
            state.current_player = colours[colour]
            if (index, number) in wanted:
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                tensor = preprocess.state_to_tensor(state)
                cpu += time.process_time() - start_cpu
                wall += time.perf_counter() - start_wall
                results[index, number] = tensor[0].astype(np.uint8)
            state.do_move(point, colours[colour])
    ordered = [results[s.game, s.move_number] for s in samples]
    return Timing("RocAlphaGo preprocessing.py", len(samples), cpu, wall), ordered


def agreement(ours: list[np.ndarray], theirs: list[np.ndarray]) -> list[str]:
    """Per feature: the share of positions whose planes are identical in both."""
    rows = []
    for name, group in PLANE_GROUPS.items():
        same = sum(np.array_equal(a[group], b[group]) for a, b in zip(ours, theirs, strict=True))
        rows.append([name, f"{group.start}-{group.stop - 1}", f"{100 * same / len(ours):.1f}%"])
    return table(["feature", "planes", "positions identical"], rows, align="llr")


def first_call_seconds() -> tuple[float, float]:
    """Seconds to import the features and compute one position: empty numba cache, then warm."""
    return cold_and_warm_seconds(
        "from sgf_data.board import Position; from sgf_data.features import planes; "
        "planes(Position())"
    )


def run(settings: Settings) -> None:
    host = machine("cpu", pin_to_one_core(), "load average taken at the start")
    go, preprocess = load_rocalphago(settings.rocalphago)
    cold, warm = first_call_seconds()
    games = list(itertools.islice(read_games(settings.archive), settings.games))
    samples = sample(games, settings.every)
    planes(samples[0].position)  # compiled or loaded from the cache before timing

    shared = samples[: settings.peer_positions]
    ours_all, _ = time_ours(samples, "this project, all sampled positions")
    ours_shared, our_planes = time_ours(shared, "this project, the peer's positions")
    theirs, their_planes = time_rocalphago(go, preprocess, games, shared)
    assert all(p.shape == (NUM_PLANES, 19, 19) for p in their_planes)
    ratio = theirs.cpu / ours_shared.cpu

    text = page(
        "# Feature planes benchmark",
        [
            f"data: {len(samples)} positions, every {settings.every}th move of the first "
            f"{len(games)} games of `{settings.archive.name}`; the peer computes the first "
            f"{len(shared)} of them",
            "features: all 48 planes, ladders included (our reading bounds: "
            f"{MAX_ATARIS} ataris, {MAX_NODES} moves per reading)",
            "peer: RocAlphaGo `AlphaGo/preprocessing/preprocessing.py` at c764b871 (pure "
            "Python, its 48 default features), replayed into its own GameState in the same "
            "process",
            f"first call (import + one position): {cold:.1f} s with an empty numba cache "
            f"(compilation), {warm:.1f} s with the cache",
        ],
        table(
            [
                "features",
                "positions",
                "CPU s",
                "wall s",
                "positions/s (CPU)",
                "positions/s (wall)",
                "ratio",
            ],
            [ours_all.cells(""), ours_shared.cells(f"**{ratio:,.0f}x**"), theirs.cells("1.0x")],
        ),
        "Ratio: RocAlphaGo's CPU time over ours on the same positions. Agreement with "
        "RocAlphaGo's planes on those positions. They differ by definition on eyes "
        "(sensibleness: RocAlphaGo counts an empty diagonal against an eye unless it is an "
        "eye itself; the paper's definition, ours, counts only opponent stones), on ladder "
        "escapes (RocAlphaGo tries only moves next to the string in atari, never the capture "
        "of an attacking string elsewhere; GNU Go's ladder reader agrees with ours, see "
        "tests/sgf_data/test_features_gnugo.py), and on setup stones' turns since:",
        agreement(our_planes, their_planes),
        host=host,
        command=command_line("features"),
    )
    publish(settings.out, text)


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--archive", type=Path, default=DEFAULT_ARCHIVE, help=f"default: {DEFAULT_ARCHIVE}"
    )
    parser.add_argument("--games", type=int, default=200)
    parser.add_argument("--every", type=int, default=5, help="sample every N-th move")
    parser.add_argument("--peer-positions", type=int, default=400)
    parser.add_argument("--rocalphago", type=Path, default=Path("/tmp/RocAlphaGo"))
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        parser.error(f"--archive {args.archive}: no such file; give a tar.gz of SGF games")
    out = results_page(args, "features")
    return Settings(args.archive, args.games, args.every, args.peer_positions, args.rocalphago, out)


if __name__ == "__main__":
    run(parse_args())
