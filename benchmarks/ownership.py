"""Ownership from playouts against GNU Go on finished real games: dead stones, score, speed.

    PYTHONPATH=. nice -n 10 python benchmarks/ownership.py [--games 50] [--playouts 200] [--record]

Games: the first ``--games`` games decided by counting (RE like ``B+3.5``, not Resign or
Time) of each ``--archive``, and those of tests/fixtures/games. On each final position (the
player to move being the one after the last move) `sgf_data.playouts.estimate` is compared
with GNU Go 3.8 (``--chinese-rules``, level 10): per stone, whether both call it dead or both
alive (``final_status_list dead``); dead-stone precision and recall (GNU Go's list as the
truth); the score, ours being `Estimate.area_score` (dead stones off, Chinese area) and the
playouts' mean margin `Estimate.score`, against ``final_score`` and against the game's RE (a
Japanese count: it may differ from an area count by a point). Then the playouts per second,
CPU time of this process pinned to one core, on a middle position (move 120) and on the final
position of the first games, and the first call with an empty numba cache.

Prints the tables; writes them, with the machine and the date, to
benchmarks/results/ownership.md only with ``--record``, so a trial run never overwrites them.
"""

from __future__ import annotations

import argparse
import itertools
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import (
    cold_and_warm_seconds,
    machine,
    page,
    pin_to_one_core,
    publish,
    table,
)
from benchmarks.gnugo import GnuGo
from sgf_data.board import Position
from sgf_data.coords import from_gtp, to_gtp
from sgf_data.playouts import DEAD, estimate
from sgf_data.reader import GameRecord, read_games

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "sgf"
DEFAULT_ARCHIVES = (
    DATA / "tom-9d" / "tom-9d-2009.tar.gz",
    DATA / "tygem-9d" / "tygem-9d-2011-06.tar.gz",
)
FIXTURES = ROOT / "tests" / "fixtures" / "games"
RESULTS = ROOT / "benchmarks" / "results" / "ownership.md"
COUNTED = re.compile(r"([BW])\+([0-9]+(?:\.[0-9]+)?)")
MIDDLE = 120
SPEED_GAMES = 10


def counted_margin(result: str) -> float | None:
    """Black's margin in a result decided by counting, else None.

    >>> counted_margin("W+0.5"), counted_margin("B+12"), counted_margin("B+Resign")
    (-0.5, 12.0, None)
    """
    match = COUNTED.fullmatch(result.strip())
    if not match:
        return None
    return float(match[2]) if match[1] == "B" else -float(match[2])


def gnugo_margin(score: str) -> float:
    """Black's margin in a GNU Go ``final_score`` answer (``B+3.5``, ``W+0.5``, ``0``).

    >>> gnugo_margin("W+2.5"), gnugo_margin("0")
    (-2.5, 0.0)
    """
    margin = counted_margin(score)
    return 0.0 if margin is None else margin


def counted_games(archive: Path, limit: int) -> list[GameRecord]:
    """The first ``limit`` games of ``archive`` decided by counting."""
    counted = (game for game in read_games(archive) if counted_margin(game.result) is not None)
    return list(itertools.islice(counted, limit))


def final_position(game: GameRecord) -> Position:
    """The board after the game's last move, the other player to move."""
    position = game.start_position()
    for position, _move in game.replay():  # noqa: B007 (replay leaves it on the final board)
        pass
    return position


@dataclass(frozen=True)
class Comparison:
    """One game's final position judged by the playouts and by GNU Go."""

    name: str
    stones: int
    ours: frozenset[str]  # dead stones, GTP vertices
    theirs: frozenset[str]
    our_seki: frozenset[str]
    their_seki: frozenset[str]
    area: float  # Black's margins
    mean: float
    gnugo: float
    recorded: float

    @property
    def agreeing(self) -> int:
        return self.stones - len(self.ours ^ self.theirs)


def gnugo_verdict(gnugo: GnuGo, game: GameRecord) -> tuple[set[str], set[str], float]:
    """GNU Go's dead stones, seki stones and final score after replaying ``game``."""
    gnugo.send("boardsize 19")
    gnugo.send("clear_board")
    gnugo.send(f"komi {game.komi}")
    for colour, points in (("b", game.setup_black), ("w", game.setup_white)):
        for point in points:
            gnugo.send(f"play {colour} {to_gtp(point)}")
    for colour, point in game.moves:
        gnugo.send(f"play {colour} {to_gtp(point)}")
    dead = set(gnugo.send("final_status_list dead").split())
    seki = set(gnugo.send("final_status_list seki").split())
    return dead, seki, gnugo_margin(gnugo.send("final_score"))


def compare(gnugo: GnuGo, game: GameRecord, playouts: int) -> Comparison:
    position = final_position(game)
    result = estimate(position, game.komi, playouts)
    dead, seki, score = gnugo_verdict(gnugo, game)

    def vertices(points: list[tuple[int, int]]) -> frozenset[str]:
        return frozenset(to_gtp(point) for point in points)

    for vertex in dead | seki:
        if position.colour_at(from_gtp(vertex)) is None:
            raise SystemExit(f"{game.source}: GNU Go's board differs from ours at {vertex}")
    return Comparison(
        name=game.game_id,
        stones=int(np.count_nonzero(position.stones())),
        ours=vertices(result.dead(position)),
        theirs=frozenset(dead),
        our_seki=vertices(result.seki(position)),
        their_seki=frozenset(seki),
        area=result.area_score(position),
        mean=result.score,
        gnugo=score,
        recorded=counted_margin(game.result),
    )


def agreement_rows(label: str, games: list[Comparison]) -> list[str]:
    """A row of the dead-stone table for a set of games."""
    stones = sum(g.stones for g in games)
    agreeing = sum(g.agreeing for g in games)
    ours = sum(len(g.ours) for g in games)
    theirs = sum(len(g.theirs) for g in games)
    both = sum(len(g.ours & g.theirs) for g in games)
    whole = sum(g.agreeing == g.stones for g in games)
    return [
        label,
        str(len(games)),
        f"{stones:,}",
        f"**{agreeing / stones:.1%}**",
        f"{theirs:,}",
        f"{ours:,}",
        f"{both / ours:.1%}" if ours else "-",
        f"{both / theirs:.1%}" if theirs else "-",
        f"{whole}/{len(games)}",
        " / ".join(
            str(sum(len(seki) for seki in column))
            for column in (
                [g.their_seki for g in games],
                [g.our_seki for g in games],
                [g.their_seki & g.our_seki for g in games],
            )
        ),
    ]


def score_rows(label: str, games: list[Comparison]) -> list[list[str]]:
    """Rows of the score table: our two scores and GNU Go's against GNU Go and the record."""

    def cells(name: str, ours: np.ndarray, truth: np.ndarray) -> list[str]:
        error = np.abs(ours - truth)
        same_winner = np.mean(np.sign(ours) == np.sign(truth))
        return [
            f"{label}: {name}",
            f"{np.mean(error):.1f}",
            f"{np.median(error):.1f}",
            f"{np.max(error):.1f}",
            f"{np.mean(error <= 1):.0%}",
            f"{same_winner:.0%}",
        ]

    area = np.array([g.area for g in games])
    mean = np.array([g.mean for g in games])
    gnugo = np.array([g.gnugo for g in games])
    recorded = np.array([g.recorded for g in games])
    return [
        cells("area_score vs GNU Go final_score", area, gnugo),
        cells("area_score vs RE", area, recorded),
        cells("playouts' mean margin vs GNU Go", mean, gnugo),
        cells("GNU Go final_score vs RE", gnugo, recorded),
    ]


def playouts_per_second(positions: list[tuple[Position, float]], playouts: int) -> list[float]:
    """Playouts per CPU second on each position (after one warm-up call)."""
    estimate(*positions[0], playouts=1)
    rates = []
    for position, komi in positions:
        start = time.process_time()
        estimate(position, komi, playouts)
        rates.append(playouts / (time.process_time() - start))
    return rates


def middle_position(game: GameRecord) -> Position | None:
    for number, (position, _move) in enumerate(game.replay(), start=1):
        if number == MIDDLE:
            return position.copy()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, nargs="+", default=list(DEFAULT_ARCHIVES))
    parser.add_argument("--games", type=int, default=50, help="counted games per archive")
    parser.add_argument("--playouts", type=int, default=200)
    parser.add_argument("--record", action="store_true", help=f"write {RESULTS.name}")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for archive in args.archive:
        if not archive.exists():
            raise SystemExit(f"no archive at {archive}: give --archive (see ../shared/data)")

    pinned = pin_to_one_core()
    host = machine("cpu", pinned)
    sets = {archive.name: counted_games(archive, args.games) for archive in args.archive}
    fixtures = [g for g in read_games(FIXTURES) if counted_margin(g.result) is not None]
    sets[f"tests/fixtures/games ({len(fixtures)} counted)"] = fixtures
    results: dict[str, list[Comparison]] = {}
    with GnuGo(level=10, extra_args=("--chinese-rules",)) as gnugo:
        for label, games in sets.items():
            results[label] = [compare(gnugo, game, args.playouts) for game in games]
            print(*agreement_rows(label, results[label]), sep=" | ")
    everything = [c for comparisons in results.values() for c in comparisons]

    all_games = [g for games in sets.values() for g in games]
    speed_games = all_games[:SPEED_GAMES]
    middles = [(p, g.komi) for g in speed_games if (p := middle_position(g)) is not None]
    finals = [(final_position(g), g.komi) for g in speed_games]
    middle_rates = playouts_per_second(middles, args.playouts)
    final_rates = playouts_per_second(finals, args.playouts)
    cold, warm = cold_and_warm_seconds(
        "from sgf_data.board import Position; from sgf_data.playouts import estimate; "
        "estimate(Position(), 7.5, 1)"
    )

    disagreements = sorted(
        (g for g in everything if g.agreeing < g.stones), key=lambda g: g.agreeing - g.stones
    )[:5]
    text = page(
        "# Ownership from playouts against GNU Go",
        [
            f"games: the first {args.games} decided by counting of each of "
            + ", ".join(f"`{a.name}`" for a in args.archive)
            + ", and the counted games of tests/fixtures/games; their final positions",
            f"ours: `sgf_data.playouts.estimate`, {args.playouts} playouts, seed 0; dead = "
            f"strings whose points the opponent owns in more than {DEAD:.0%} of the playouts",
            "GNU Go 3.8, level 10, `--chinese-rules`: `final_status_list dead` / `seki`, "
            "`final_score`",
        ],
        "## Dead stones",
        table(
            [
                "games",
                "n",
                "stones",
                "alive/dead agree",
                "GNU Go dead",
                "our dead",
                "precision",
                "recall",
                "games agreeing on every stone",
                "seki stones GNU Go / ours / both",
            ],
            [agreement_rows(label, games) for label, games in results.items()]
            + [agreement_rows("all", everything)],
        ),
        "Precision: of the stones we call dead, the share GNU Go calls dead; recall: of GNU "
        "Go's dead stones, the share we find. The games with the most disagreement: "
        + "; ".join(f"{g.name} ({g.stones - g.agreeing} stones)" for g in disagreements)
        + ". Where playouts are known to err: capturing races (semeai) and groups whose life "
        "needs an answer other than to an atari, which random play does not read; seki with "
        "several shared liberties, which random filling often breaks.",
        "## Score (Black's margin, komi included)",
        table(
            [
                "comparison",
                "mean abs diff",
                "median abs diff",
                "max abs diff",
                "within 1 point",
                "same winner",
            ],
            score_rows("all", everything),
        ),
        "## Speed",
        table(
            ["positions", "n", "playouts/s per core (median)", "min", "max"],
            [
                [f"move {MIDDLE} (middle game)", len(middles), *_rates(middle_rates)],
                ["final positions", len(finals), *_rates(final_rates)],
            ],
        ),
        f"First call of `estimate` in a fresh interpreter: {cold:.1f} s with an empty numba "
        f"cache (compiling the rules and the playouts), {warm:.1f} s with the cache.",
        host=host,
        command="PYTHONPATH=. nice -n 10 python benchmarks/ownership.py --record",
    )
    publish(args.out if args.record else None, text)
    return 0


def _rates(rates: list[float]) -> list[str]:
    return [f"{np.median(rates):,.0f}", f"{min(rates):,.0f}", f"{max(rates):,.0f}"]


if __name__ == "__main__":
    raise SystemExit(main())
