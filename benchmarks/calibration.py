"""Calibrate the strength levels: the planned matches against GNU Go and Pachi, and the table
that turns their results into an estimated KGS rank per level.

    python -m benchmarks.calibration play --queue levels|neighbours|ladder [--root DIR]
    python -m benchmarks.calibration table [--root runs/calibration] [--record]

`play` plays one queue of the plan, match after match, each in its own folder under --root
(`benchmarks.match`, one job): `levels` the strength levels against GNU Go, each from a
guessed handicap a stone at a time toward the handicap that makes the games close,
`neighbours` each level against the one below it (its GTP engine, a GNU Go referee), toward
even as the levels are: the games that show each level beats the one below (it wins even
games, or gives stones) and chain every level into the fit,
`ladder` the full network (level 9) giving GNU Go level 10 two, three, four ... stones until
it wins less than half of a rung, then level 10 on that rung, then the same climb against
Pachi (even, then two, three ... stones: the network wins nearly every even game against it),
topped up to 60 Pachi games on the rung nearest one half. A rung is played ten games at a time
and is settled as soon as its 95% interval leaves one half out (at most 40 games), so the games
go where the answer is still open. Run again, it
resumes every match where it stopped (finished matches are counted, not replayed).

`table` reads every match folder under --root (and the recorded vs_gnugo match of the full
network against GNU Go level 10, which is level 9's) and writes the calibration table: each
match's win rate with its 95% Wilson interval, and each level's estimated KGS rank. The
estimate is a least-squares fit of one rank per level and per opponent other than the anchor
to every match, with these assumptions, stated on the page:

- GNU Go 3.8 level 10 is KGS 6 kyu (5 kyu by the AlphaGo paper's Extended Data Table 6, 6-8
  kyu by Clark & Storkey): every rank moves with this anchor;
- a handicap of H stones (komi 0.5) is worth H ranks, an even game (komi 7.5) none;
- within a game's handicap, a win rate w is 400 log10(w / (1 - w)) Elo and one rank is
  100 Elo (the EGF's kyu scale), w kept within [1 / 2n, 1 - 1 / 2n] for n games.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alphago_policy.analysis import wilson_interval
from alphago_policy.cli import fail
from benchmarks import match as matches
from benchmarks.common import machine, shown, table, utc_now, write_atomically
from benchmarks.gnugo import find_gnugo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_ROOT = ROOT / "runs" / "calibration"
RECORDED_FULL = RESULTS / "vs_gnugo-level-10"  # level 9 (the full network), 100 games
ANCHOR = "GNU Go level 10"
ANCHOR_RANK = -6.0  # KGS 6 kyu; ranks: 1k = -1, 1d = 0, 2d = 1 ...
ELO_PER_RANK = 100.0
# darkforest's and Maddison's setting; 3.2 CPU s a move here (benchmarks/results/pachi.md):
# about 7 CPU minutes of Pachi a game, 60 games in a few days niced
PACHI_PLAYOUTS = 10_000
PACHI_GAMES = 60  # at least, over its rungs
GAMES = 40


@dataclass(frozen=True)
class Planned:
    """One planned match: a level against an opponent, with a handicap the network gives
    (negative: takes)."""

    level: int
    opponent: str  # "gnugo:L", "pachi:N", or "level:N" (the network at another level)
    handicap: int = 0
    games: int = GAMES

    @property
    def folder(self) -> str:
        """The match's folder under the root.

        >>> Planned(3, "gnugo:1").folder, Planned(9, "gnugo:10", 4).folder
        ('level-3-vs-gnugo-1-even', 'level-9-vs-gnugo-10-gives-4')
        """
        kind, _, setting = self.opponent.partition(":")
        stones = "even"
        if self.handicap:
            stones = f"{'gives' if self.handicap > 0 else 'takes'}-{abs(self.handicap)}"
        return f"level-{self.level}-vs-{kind}-{setting}-{stones}"

    @classmethod
    def from_folder(cls, name: str) -> Planned | None:
        """The match a folder under the root holds, by its name; None for another folder.

        >>> Planned.from_folder("level-1-vs-gnugo-1-takes-9")
        Planned(level=1, opponent='gnugo:1', handicap=-9, games=40)
        >>> Planned.from_folder("level-9-vs-pachi-10000-even").opponent, Planned.from_folder("x")
        ('pachi:10000', None)
        """
        found = re.fullmatch(
            r"level-(\d+)-vs-(gnugo|pachi|level)-(\d+)-(even|gives|takes)-?(\d*)", name
        )
        if not found:
            return None
        level, kind, setting, stones, count = found.groups()
        handicap = {"even": 0, "gives": 1, "takes": -1}[stones] * int(count or 0)
        return cls(int(level), f"{kind}:{setting}", handicap)

    def opponent_name(self) -> str:
        """What the games call the opponent (another level: as its GTP engine names itself)."""
        kind, _, setting = self.opponent.partition(":")
        if kind == "level":
            from alphago_policy.strength import level, policy_for

            chosen = level(int(setting))
            return f"{policy_for(chosen).description}, {chosen.describe()}"
        return f"GNU Go level {setting}" if kind == "gnugo" else f"Pachi 11.99, {setting} playouts"

    def rated_as(self) -> str:
        """The opponent in the rank fit: another level is that level's own rank.

        >>> Planned(4, "level:3").rated_as(), Planned(4, "gnugo:5").rated_as()
        ('level 3', 'GNU Go level 5')
        """
        kind, _, setting = self.opponent.partition(":")
        return f"level {setting}" if kind == "level" else self.opponent_name()

    def match(self, root: Path) -> matches.Match:
        kind, _, setting = self.opponent.partition(":")
        if kind == "gnugo":
            command = (find_gnugo() or "gnugo", "--mode", "gtp", "--level", setting)
            command += ("--chinese-rules",)
            referee = "opponent"
        elif kind == "level":
            command = (sys.executable, "-m", "alphago_policy", "gtp", "--strength", setting)
            command, referee = (*command, "--threads", "1"), "gnugo"
        else:
            command, referee = matches.opponent_command(self.opponent), "gnugo"
        return matches.Match(
            self.games,
            command,
            self.opponent_name(),
            root / self.folder,
            handicap=abs(self.handicap),
            network_takes_handicap=self.handicap < 0,
            strength=self.level,
            referee=referee,
        )


LEVELS_QUEUE = (  # each from a guessed handicap toward even; bridges tie GNU Go 1 and 5 to 10
    Planned(6, "gnugo:5"),  # level 6 is the k=32 SL network: also the RL demo's baseline
    Planned(1, "gnugo:1", -9),  # even: no win in 40 games, lost by about 350 points
    Planned(3, "gnugo:1", -5),
    Planned(6, "gnugo:10"),
    Planned(5, "gnugo:5", -2),
    Planned(7, "gnugo:10"),
    Planned(8, "gnugo:10"),
    Planned(2, "gnugo:1", -9),
    Planned(4, "gnugo:5", -4),
)
# each level against the one below it, from the full network down (tying level 6, and GNU Go 5
# through it, to the anchor first), level 10 (8 forward passes a move) last
NEIGHBOURS = tuple(Planned(n + 1, f"level:{n}") for n in (8, 7, 6, 5, 4, 3, 2, 1, 9))
LADDER = tuple(Planned(9, "gnugo:10", stones) for stones in range(2, 10))
PACHI_LADDER = tuple(Planned(9, f"pachi:{PACHI_PLAYOUTS}", s) for s in (0, *range(2, 10)))
RUNG_STEP = 10  # a ladder rung's games are played this many at a time


def settled(wins: int, games: int) -> bool:
    """Whether a rung's result says, at 95%, that the network wins more or less than half.

    >>> settled(8, 9), settled(6, 10), settled(1, 10), settled(13, 20)
    (True, False, True, False)
    """
    low, high = wilson_interval(wins, games)
    return games > 0 and (low > 0.5 or high < 0.5)


@dataclass(frozen=True)
class Result:
    """A finished (or partly played) match as the table reads it."""

    level: int
    opponent: str
    handicap: int  # given by the network; negative: taken
    wins: int
    decided: int
    folder: Path

    @property
    def rate(self) -> float:
        return self.wins / max(self.decided, 1)


def rank_offset(wins: int, games: int, handicap: int) -> float:
    """How many ranks the network is above its opponent, by a match's result (see the
    module's assumptions).

    >>> rank_offset(20, 40, 0), round(rank_offset(30, 40, 3), 2)
    (0.0, 4.91)
    >>> round(rank_offset(0, 40, 0), 2)  # no win in 40: kept at 1 in 80
    -7.59
    """
    low, high = 1 / (2 * games), 1 - 1 / (2 * games)
    rate = min(max(wins / games, low), high)
    return handicap + 400 * math.log10(rate / (1 - rate)) / ELO_PER_RANK


def kgs(rank: float) -> str:
    """A rank number as KGS names it: -6 is 6k, 0 is 1d, -1 is 1k.

    >>> kgs(-6.2), kgs(-0.6), kgs(0.4), kgs(2)
    ('6k', '1k', '1d', '3d')
    """
    step = round(rank)
    return f"{-step}k" if step < 0 else f"{step + 1}d"


def fit(results: list[Result]) -> dict[str, float]:
    """The least-squares ranks of every level ("level N") and opponent, the anchor fixed,
    each match weighted by its games; players not tied to the anchor are left out."""
    tied = {ANCHOR}
    grew = True
    while grew:
        before = len(tied)
        for r in results:
            if f"level {r.level}" in tied or r.opponent in tied:
                tied |= {f"level {r.level}", r.opponent}
        grew = len(tied) > before
    used = [r for r in results if r.opponent in tied and r.decided]
    names = sorted(tied - {ANCHOR})
    index = {name: i for i, name in enumerate(names)}
    rows, targets, weights = [], [], []
    for r in used:
        row = np.zeros(len(names))
        row[index[f"level {r.level}"]] = 1
        offset = rank_offset(r.wins, r.decided, r.handicap)
        if r.opponent == ANCHOR:
            offset += ANCHOR_RANK
        else:
            row[index[r.opponent]] = -1
        rows.append(row)
        targets.append(offset)
        weights.append(math.sqrt(r.decided))
    if not rows:
        return {ANCHOR: ANCHOR_RANK}
    w = np.array(weights)
    solution = np.linalg.lstsq(np.array(rows) * w[:, None], np.array(targets) * w, rcond=None)
    return {**dict(zip(names, solution[0].tolist(), strict=True)), ANCHOR: ANCHOR_RANK}


def read_result(planned: Planned, folder: Path) -> Result | None:
    """The games saved in a match folder, counted; None when there are none."""
    match = matches.Match(
        planned.games,
        (planned.opponent,),
        planned.opponent_name(),
        folder,
        handicap=abs(planned.handicap),
        network_takes_handicap=planned.handicap < 0,
    )
    games = sorted(folder.glob("game-*.sgf"))
    if not games:
        return None
    outcomes = [matches.load_outcome(p, int(p.stem.removeprefix("game-")), match) for p in games]
    wins = sum(o.network_won for o in outcomes)
    decided = sum(o.decided for o in outcomes)
    return Result(planned.level, planned.rated_as(), planned.handicap, wins, decided, folder)


def results(root: Path) -> list[Result]:
    """Every match played under the root (its folders named as `Planned.folder` names them),
    and the recorded 100 games of the full network against GNU Go level 10."""
    folders = sorted(root.iterdir()) if root.is_dir() else []
    plan = [(Planned.from_folder(f.name), f) for f in folders if f.is_dir()]
    found = [read_result(planned, folder) for planned, folder in plan if planned]
    recorded = read_result(Planned(9, "gnugo:10", games=100), RECORDED_FULL)
    return [r for r in [*found, recorded] if r is not None]


def level_interval(level: int, found: list[Result], ranks: dict[str, float]) -> str:
    """The level's rank range from the Wilson bounds of its matches (as the player, or as the
    level below another), the other sides held at their fitted ranks; "" without any."""
    key, bounds = f"level {level}", []
    for side in (0, 1):
        estimates, weights = [], []
        for r in found:
            if not r.decided:
                continue
            if r.level == level and r.opponent in ranks:
                wins = wilson_interval(r.wins, r.decided)[side] * r.decided
                estimates.append(ranks[r.opponent] + rank_offset(wins, r.decided, r.handicap))
            elif r.opponent == key and f"level {r.level}" in ranks:
                wins = wilson_interval(r.wins, r.decided)[1 - side] * r.decided
                above = ranks[f"level {r.level}"]
                estimates.append(above - rank_offset(wins, r.decided, r.handicap))
            else:
                continue
            weights.append(r.decided)
        if not estimates:
            return ""
        bounds.append(np.average(estimates, weights=weights))
    return f"{kgs(bounds[0])} to {kgs(bounds[1])}"


def monotone(found: list[Result]) -> str:
    """Whether each level measured against the one below it beats it (95% interval above one
    half), as a sentence.

    >>> pairs = [Result(2, "level 1", 0, 30, 40, Path()), Result(3, "level 2", 0, 22, 40, Path())]
    >>> print(monotone(pairs))  # doctest: +NORMALIZE_WHITESPACE
    Each level against the one below it: level 2 beats level 1 (75% [60%, 86%]);
    level 3 is not yet shown to beat level 2 (55% [40%, 69%]).
    """
    said = []
    for r in sorted(found, key=lambda r: r.level):
        if r.opponent != f"level {r.level - 1}" or r.handicap:
            continue
        low, high = wilson_interval(r.wins, r.decided)
        verdict = "beats" if low > 0.5 else "is not yet shown to beat"
        interval = f"{r.rate:.0%} [{low:.0%}, {high:.0%}]"
        said.append(f"level {r.level} {verdict} {r.opponent} ({interval})")
    if not said:
        return "No level has played the one below it yet (`play --queue neighbours`)."
    return "Each level against the one below it: " + "; ".join(said) + "."


def out_of_reach(found: list[Result]) -> str:
    """The levels that won no game taking nine stones (or lost none giving nine), as a
    sentence: the opponent is too strong (or too weak) to rank them against.

    >>> print(out_of_reach([Result(1, "GNU Go level 1", -9, 0, 10, Path())]))
    Out of reach: level 1 won no game of 10 taking nine stones from GNU Go level 1.
    """
    said = [
        f"level {r.level} {'won no game' if r.handicap < 0 else 'lost no game'} of "
        f"{r.decided} {'taking' if r.handicap < 0 else 'giving'} nine stones "
        f"{'from' if r.handicap < 0 else 'to'} {r.opponent}"
        for r in sorted(found, key=lambda r: r.level)
        if abs(r.handicap) == 9 and r.decided and r.wins == (r.decided if r.handicap > 0 else 0)
    ]
    return f"Out of reach: {'; '.join(said)}." if said else ""


def page(found: list[Result]) -> str:
    ranks = fit(found)
    match_rows = []
    for r in sorted(found, key=lambda r: (r.level, r.opponent, r.handicap)):
        low, high = wilson_interval(r.wins, r.decided)
        stones = "even" if not r.handicap else f"{'gives' if r.handicap > 0 else 'takes'} "
        stones += f"{abs(r.handicap)}" if r.handicap else ""
        match_rows.append(
            [
                r.level,
                r.opponent,
                stones,
                f"{r.wins} / {r.decided}",
                f"{r.rate:.0%} [{low:.0%}, {high:.0%}]",
                shown(r.folder),
            ]
        )
    from alphago_policy.strength import LEVELS

    level_rows = []
    for level in LEVELS:
        key = f"level {level.number}"
        rank = ranks.get(key)
        level_rows.append(
            [
                level.number,
                level.describe().split(": ", 1)[1],
                "not measured" if rank is None else f"{kgs(rank)} ({rank:+.1f})",
                "" if rank is None else level_interval(level.number, found, ranks),
            ]
        )
    lines = [
        "# Strength levels: calibration against GNU Go and Pachi",
        "",
        f"- date: {utc_now()}",
        f"- machine: {machine()}",
        "- matches: `python -m benchmarks.calibration play --queue levels|neighbours|ladder` "
        "(benchmarks.match, 19x19, Chinese rules; GNU Go 3.8 with --chinese-rules referees its "
        "own games, a GNU Go referee the others')",
        "",
        "## Assumptions of the rank estimate",
        "",
        "- GNU Go 3.8 level 10 = KGS 6 kyu (AlphaGo paper, Extended Data Table 6: about 5k; "
        "Clark & Storkey 2015: 6-8k): every estimate moves with this anchor.",
        "- H handicap stones (komi 0.5) = H ranks; an even game (komi 7.5) = 0.",
        "- A win rate w within a handicap = 400 log10(w / (1 - w)) Elo, 100 Elo a rank (EGF "
        "kyu scale); w kept within [1/2n, 1 - 1/2n] for n games.",
        "- A level's games against the level below it count as any match does: the lower "
        "level is the opponent, at its own fitted rank (games between two levels of one "
        "network may tell them apart more sharply than games against other players would).",
        "- One rank per level and per opponent other than GNU Go level 10, least squares over "
        "every match weighted by its games; the range is the level's own matches' 95% Wilson "
        "bounds, the opponents held at their fitted ranks (the anchor's own uncertainty, "
        "about 2 ranks, comes on top).",
        "",
        "## Levels",
        "",
        *table(["level", "how it plays", "estimated KGS rank", "range"], level_rows, "rlll"),
        "",
        "## Matches",
        "",
        *table(
            ["level", "opponent", "handicap", "wins", "win rate [95%]", "games"],
            match_rows,
            "rlllll",
        ),
        "",
        monotone(found),
        "",
        *([reach, ""] if (reach := out_of_reach(found)) else []),
        "Fitted opponents: "
        + ", ".join(
            f"{n} {kgs(r)} ({r:+.1f})" for n, r in ranks.items() if not n.startswith("level ")
        ),
        "",
    ]
    return "\n".join(lines)


def play_rung(rung: Planned, root: Path) -> int:
    """Play a rung RUNG_STEP games at a time (from the games already saved in its folder)
    until it is `settled` or its games are played; the status of the last match run."""
    saved = len(list((root / rung.folder).glob("game-*.sgf")))
    total = max(rung.games, saved)  # a match played further before is counted whole
    first = max(RUNG_STEP, -(-saved // RUNG_STEP) * RUNG_STEP)
    for games in range(min(first, total), total + RUNG_STEP, RUNG_STEP):
        part = dataclasses.replace(rung, games=min(games, total))
        status = matches.run(part.match(root), 1, root / rung.folder / "summary.md")
        result = read_result(part, root / rung.folder)
        if status or (result and settled(result.wins, result.decided)):
            return status
    return 0


HANDICAPS = (*range(-9, -1), 0, *range(2, 10))  # stones the network takes (-) or gives


def next_handicap(handicap: int, wins: int, games: int) -> int | None:
    """After a settled rung, the handicap one step toward the side that lost (the network
    gives one stone more where it won, takes one more where it lost); None past the ends.

    >>> next_handicap(0, 1, 10), next_handicap(-2, 1, 10), next_handicap(2, 9, 10)
    (-2, -3, 3)
    >>> next_handicap(-9, 0, 40), next_handicap(9, 40, 40)
    (None, None)
    """
    index = HANDICAPS.index(handicap) + (1 if 2 * wins > games else -1)
    return HANDICAPS[index] if 0 <= index < len(HANDICAPS) else None


def play_toward_even(planned: Planned, root: Path) -> int:
    """A level against an opponent from `planned`'s handicap, a stone at a time toward the
    handicap that makes the games close: a rung not `settled` after its 40 games ends it; where
    the next handicap was tried already (the even point lies between two rungs), the last rung
    is played to its 40 games; past nine stones the level is out of the opponent's reach, and
    its settled rung says how far."""
    rung, tried = planned, set()
    while True:
        status = play_rung(rung, root)
        result = read_result(rung, root / rung.folder)
        if status or not result or not settled(result.wins, result.decided):
            return status
        tried.add(rung.handicap)
        handicap = next_handicap(rung.handicap, result.wins, result.decided)
        if handicap is None:
            return 0
        if handicap in tried:
            return matches.run(rung.match(root), 1, root / rung.folder / "summary.md")
        rung = dataclasses.replace(rung, handicap=handicap)


def climb(rungs: tuple[Planned, ...], root: Path) -> tuple[int, list[Result]]:
    """Play the rungs from the first until the network wins less than half of one: the status
    of the last match run, and the rungs' results."""
    found = []
    for rung in rungs:
        status = play_rung(rung, root)
        result = read_result(rung, root / rung.folder)
        found += [result] if result else []
        if status or not result or result.rate < 0.5:
            return status, found
    return 0, found


def play_queue(queue: str, root: Path) -> int:
    """Play (or resume) the matches of a queue, one after another."""
    if queue in ("levels", "neighbours"):
        for planned in LEVELS_QUEUE if queue == "levels" else NEIGHBOURS:
            status = play_toward_even(planned, root)
            if status:
                return status
        return 0
    status, rungs = climb(LADDER, root)
    if status or not rungs:
        return status
    if rungs[-1].rate < 0.5:  # level 10 where the full network lost
        rung = Planned(10, "gnugo:10", rungs[-1].handicap)
        status = matches.run(rung.match(root), 1, root / rung.folder / "summary.md")
    return status or play_pachi(root)


def play_pachi(root: Path) -> int:
    """The full network's climb against Pachi, then games on the rung nearest one half until
    Pachi has played PACHI_GAMES."""
    status, rungs = climb(PACHI_LADDER, root)
    played = sum(r.decided for r in rungs)
    if status or not rungs or played >= PACHI_GAMES:
        return status
    nearest = min(rungs, key=lambda r: abs(r.rate - 0.5))
    more = nearest.decided + PACHI_GAMES - played
    rung = Planned(9, PACHI_LADDER[0].opponent, nearest.handicap, more)
    return matches.run(rung.match(root), 1, root / rung.folder / "summary.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("play", "table"))
    parser.add_argument("--queue", choices=("levels", "neighbours", "ladder"), default="levels")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the match folders")
    parser.add_argument(
        "--record", action="store_true", help="write benchmarks/results/calibration.md"
    )
    args = parser.parse_args(argv)
    if args.action == "play":
        if find_gnugo() is None:
            return fail("GNU Go not found: install it (apt-get install gnugo)")
        try:
            return play_queue(args.queue, args.root)
        except FileNotFoundError as error:  # Pachi not built: the queue stops before it
            return fail(error)
    found = results(args.root)
    if not found:
        return fail(f"{args.root}: no match played yet (python -m benchmarks.calibration play)")
    text = page(found)
    print(text)
    out = RESULTS / "calibration.md" if args.record else args.root / "calibration.md"
    write_atomically(out, text)
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
