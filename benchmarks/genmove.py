"""Time `genmove`: how long the network takes to choose a move on this machine, beside GNU Go.

    python -m benchmarks.genmove [--games N] [--levels 1 10] [--threads 1 2] [--record]

Positions come from the real games in tests/fixtures/games (every `--every`-th position of the
first `--games` games). For each: the feature planes, the network's probabilities (forward
pass) and the whole in-process `genmove` choice with each torch thread count, the same
through a `python -m alphago_policy gtp` subprocess (what a GUI waits for), and GNU Go's
`reg_genmove` on the same position at each level. Median, 90th percentile and maximum, with
the ratio to GNU Go, are printed and written (atomically, with the machine, the load and the
date) to benchmarks/results/genmove.md with `--record` (a trial run only prints). Then the
first `genmove` of a new engine process, as a GUI meets it: sent at once, and sent when the
engine says on stderr that it is ready, with an empty numba cache (installed without the
warm-up step: the kernels compile) and after `alphago-gtp --warm-up` (timed too) filled it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from alphago_policy.cli import add_threads, add_weights
from alphago_policy.game import Game
from alphago_policy.policy import load_policy
from benchmarks.common import machine, page, publish, table
from benchmarks.gnugo import GnuGo, GTPClient
from sgf_data import read_games
from sgf_data.coords import to_gtp
from sgf_data.features import planes
from sgf_data.reader import GameRecord

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "games"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "genmove.md"


@dataclass(frozen=True)
class Sample:
    """A position to time: the game and how many of its moves are played."""

    game: GameRecord
    ply: int

    @property
    def to_move(self) -> str:
        moves = self.game.moves
        return moves[self.ply][0] if self.ply < len(moves) else "b"

    def commands(self) -> list[str]:
        """GTP commands that set the position up on an engine."""
        setup = [f"set_free_handicap {' '.join(map(to_gtp, self.game.setup_black))}"]
        return [
            "clear_board",
            "komi 7.5",
            *(setup if self.game.setup_black else []),
            *(f"play {c} {to_gtp(p)}" for c, p in self.game.moves[: self.ply]),
        ]


def samples(games: int, every: int) -> list[Sample]:
    """Every `every`-th position of the first `games` fixture games (no White setup stones)."""
    chosen = [g for g in read_games(FIXTURES) if not g.setup_white][:games]
    return [Sample(g, ply) for g in chosen for ply in range(0, len(g.moves), every)]


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def time_in_process(game: Game, positions: list[Sample]) -> dict[str, list[float]]:
    """Seconds per position for the planes, the probabilities and the whole move choice."""
    times: dict[str, list[float]] = {"planes": [], "probabilities": [], "genmove": []}
    for sample in positions:
        game.reset(sample.game.setup_black)
        for move in sample.game.moves[: sample.ply]:
            game.play(*move)
        view = game.view(sample.to_move)
        times["planes"].append(timed(planes, view))
        times["probabilities"].append(timed(game.policy.probabilities, view))
        times["genmove"].append(timed(game.suggest, sample.to_move))
    return times


def time_gtp(client: GTPClient, positions: list[Sample], genmove: str) -> list[float]:
    """Seconds per position for one move-generating command sent over GTP, position set up."""
    times = []
    for sample in positions:
        for command in sample.commands():
            client.send(command)
        start = time.perf_counter()
        client.send(f"{genmove} {sample.to_move}")
        times.append(time.perf_counter() - start)
    return times


def first_genmove(command: list[str], cache: str, on_ready: bool) -> float:
    """Seconds to the first `genmove` answer of a new engine with numba cache `cache`: from
    the start of the process, or (`on_ready`) from the command sent once the engine is ready."""
    start = time.perf_counter()
    client = GTPClient(
        command, cwd=ROOT, env={**os.environ, "NUMBA_CACHE_DIR": cache}, watch_stderr=True
    )
    if on_ready:
        client.wait_for("ready")
        start = time.perf_counter()
    client.send("genmove b")
    seconds = time.perf_counter() - start
    client.close()
    return seconds


def warm_up_step(command: list[str], cache: str) -> float:
    """Seconds that `--warm-up`, the install's last step, takes to fill numba cache `cache`."""
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--warm-up"],
        cwd=ROOT,
        env={**os.environ, "NUMBA_CACHE_DIR": cache},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
    )
    assert done.stdout == b"", done.stdout
    return time.perf_counter() - start


def first_genmoves(command: list[str]) -> list[list[str]]:
    """Table rows: the first genmove of a new engine, sent at once and once it is ready, with
    an empty numba cache (installed without the warm-up step) and after `--warm-up`."""
    whens = {False: "from the process start", True: "sent when the engine is ready"}
    rows = []
    for on_ready, when in whens.items():
        with tempfile.TemporaryDirectory() as cache:
            seconds = first_genmove(command, cache, on_ready)
            rows.append([f"first genmove, empty numba cache (not warmed up), {when}", seconds])
    with tempfile.TemporaryDirectory() as cache:
        seconds = warm_up_step(command, cache)
        rows.append(["`--warm-up` after the install: compiles into the empty cache", seconds])
        for on_ready, when in whens.items():
            seconds = first_genmove(command, cache, on_ready)
            rows.append([f"first genmove, new process after `--warm-up`, {when}", seconds])
    return [[label, f"{seconds:.2f}"] for label, seconds in rows]


def row(label: str, seconds: list[float], reference: list[float] | None) -> list[str]:
    """A table row: median, 90th percentile, max in ms, and GNU Go's median over ours."""
    ms = 1000 * np.array(seconds)
    ratio = f"{np.median(reference) / np.median(seconds):.1f}x" if reference else ""
    return [label, f"{np.median(ms):.2f}", f"{np.percentile(ms, 90):.2f}", f"{ms.max():.2f}", ratio]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=4)
    parser.add_argument("--every", type=int, default=40, help="ply step between positions")
    parser.add_argument("--levels", type=int, nargs="*", default=[1, 10], help="GNU Go levels")
    add_weights(parser)
    add_threads(parser, default=[1, 2], note="the counts to compare", many=True)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--record", action="store_true", help="write the results to --out")
    args = parser.parse_args(argv)

    positions = samples(args.games, args.every)
    policy = load_policy(args.weights)
    game = Game(policy)
    in_process = {}
    for threads in args.threads:
        torch.set_num_threads(threads)
        game.suggest("b")  # warm-up: compiles the numba kernels, sizes torch's buffers
        in_process[threads] = time_in_process(game, positions)
    command = [sys.executable, "-m", "alphago_policy", "gtp", *_weights(args.weights)]
    gtp = GTPClient([*command, "--threads", str(args.threads[0])], cwd=ROOT)
    gtp.send("genmove b")  # warm-up, as above
    over_gtp = time_gtp(gtp, positions, "genmove")
    gtp.close()
    starts = first_genmoves([*command, "--threads", str(args.threads[0])])
    gnugo_times = {}
    for level in args.levels:
        with GnuGo(level=level) as gnugo:
            gnugo.send("boardsize 19")
            gnugo_times[level] = time_gtp(gnugo, positions, "reg_genmove")

    reference = gnugo_times.get(args.levels[-1]) if args.levels else None
    text = page(
        "# genmove latency: the policy network (no search) beside GNU Go",
        [
            f"network: {policy.description}",
            f"positions: {len(positions)}, every {args.every}th position of {args.games} games "
            "from tests/fixtures/games",
            f"ratio: GNU Go level {args.levels[-1] if args.levels else '-'} median / ours",
        ],
        table(
            ["step", "median ms", "p90 ms", "max ms", "GNU Go / ours"],
            [
                row("feature planes", in_process[args.threads[0]]["planes"], None),
                *(
                    row(f"{label}, {threads} torch thread(s)", times[key], ratio)
                    for threads, times in in_process.items()
                    for key, label, ratio in (
                        ("probabilities", "network probabilities (planes + forward pass)", None),
                        ("genmove", "genmove, in process", reference),
                    )
                ),
                row(
                    f"genmove over GTP (subprocess, --threads {args.threads[0]})",
                    over_gtp,
                    reference,
                ),
                *(row(f"GNU Go level {lv} reg_genmove", t, None) for lv, t in gnugo_times.items()),
            ],
        ),
        table(["a GUI starts the engine", "seconds"], starts),
        "The engine warms up as it starts (every kernel once, in a thread, saying so on stderr)"
        " while it answers the protocol's own commands; a command that needs the kernels waits"
        " until a move's kernels are warm (`ready` on stderr). The first start after an"
        " install compiles the kernels into numba's on-disk cache; `alphago-gtp --warm-up`, the"
        " install's last step in the README, does that once, so that a GUI's first genmove is"
        " answered at once.",
        "One position at a time is a batch of one: torch's threads split each small convolution"
        " and wait for each other. On an idle machine two threads are faster; when another job"
        " holds a core they can be many times slower (compare the load average). play.py, the"
        " GTP engine and the match harness default to one thread, the robust choice"
        " (`--threads N` changes it).",
        host=machine(),
        command="python -m benchmarks.genmove --record",
    )
    publish(args.out if args.record else None, text)
    return 0


def _weights(path: str | None) -> list[str]:
    return ["--weights", path] if path else []


if __name__ == "__main__":
    sys.exit(main())
