"""Matches between the policy network (no search) and GNU Go: wins, losses, a 95% interval.

    python -m benchmarks.vs_gnugo [--games 4] [--level 1] [--weights PATH] [--jobs N] [--record]

19x19, Chinese (area) rules, komi 7.5, colours alternating (the network is Black in odd-
numbered games). A game runs until two passes in a row, a resignation by GNU Go, or the move
cap; GNU Go (run with --chinese-rules) then referees it with `final_score`, which removes the
stones it judges dead; our own count (`alphago_policy.game.Game.result`, dead stones found by
playouts) is shown beside it. The network plays through `Game` in process: its most probable
sensible move, or a sample with --temperature; it passes when the game is over by its
playouts, and never resigns here.

Every game is saved as SGF in the games folder; games already there are counted again, not
replayed, so an interrupted match (Ctrl-C, or its process killed) resumes: the command run again
plays the games that were not finished (games another network left there are played again).
The job processes end with the main one, even by `kill -9`, and their GNU Go with them.
Game n depends only on n and --seed (GNU Go's seed, the network's sampling and the playouts
are set per game), so --jobs N processes, each with its own GNU Go, play the same games as one.
The summary (per game and in total, with a Wilson 95% interval) is printed and written beside
the games (runs/vs_gnugo/level-L/summary.md); only `--record` writes the recorded page,
benchmarks/results/vs_gnugo.md, with its games in benchmarks/results/vs_gnugo-level-L.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sgfmill import sgf
from tqdm import tqdm

from alphago_policy.analysis import wilson_interval
from alphago_policy.cli import add_temperature, add_threads, add_weights, positive_int
from alphago_policy.game import Game, write_sgf
from alphago_policy.policy import load_policy
from alphago_policy.workers import start_worker
from benchmarks.common import command_line, machine, page, shown, table, write_atomically
from benchmarks.gnugo import EngineError, GnuGo
from sgf_data.coords import Move, from_gtp, to_gtp

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RECORDED = RESULTS / "vs_gnugo.md"
KOMI = 7.5
MOVE_CAP = "move cap"
MOVE_CAP_DEFAULT = 400
GNU_GO_DIED = "GNU Go exited"  # GNU Go 3.8 dies on a few positions: the game has no result
VOID = "Void"
ANCHORS = (
    "Published anchors (raw networks, no search, against GNU Go): Maddison et al. 2015, a "
    "12-layer network, won 97% of games against GNU Go; AlphaGo's SL policy network "
    "(k=192) won 99% against GNU Go 3.8 at level 10 (Silver et al. 2016, Extended Data Table 9)."
)


@dataclass(frozen=True)
class Match:
    games: int
    level: int
    move_cap: int
    temperature: float
    seed: int
    out_dir: Path


@dataclass(frozen=True)
class Outcome:
    """One finished game as the summary needs it."""

    number: int
    network: str  # the network's colour
    moves: int
    result: str  # SGF RE: B+3.5, W+R, ...
    end: str  # how it ended: two passes, resignation, move cap
    digest: str  # of the move sequence: equal digests are repeated games
    ours: str = ""  # our count of a game ended by two passes
    seconds: float | None = None  # of play, when played in this run

    @property
    def ended_properly(self) -> bool:
        return self.end not in (MOVE_CAP, GNU_GO_DIED)

    @property
    def decided(self) -> bool:
        return self.result != VOID

    @property
    def network_won(self) -> bool:
        return self.result[:1].lower() == self.network


def network_colour(number: int) -> str:
    """The network is Black in odd-numbered games, White in even ones.

    >>> network_colour(1), network_colour(2)
    ('b', 'w')
    """
    return "b" if number % 2 else "w"


def game_digest(moves: list[Move]) -> str:
    """A short fingerprint of a move sequence, to count distinct games.

    >>> game_digest([("b", (3, 3)), ("w", None)])
    '2cf88157'
    """
    text = " ".join(f"{colour}{to_gtp(point)}" for colour, point in moves)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def play_game(game: Game, gnugo: GnuGo, number: int, match: Match) -> Outcome:
    """Play one game to two passes, GNU Go's resignation or the cap; save it; return it."""
    network = network_colour(number)
    game.reset()
    game.komi = KOMI
    game.reseed([match.seed, number])  # sampling (temperature > 0) and playouts
    seed = f"set_random_seed {match.seed + number}"  # varies GNU Go among equal moves
    for command in ("boardsize 19", "clear_board", f"komi {KOMI}", seed):
        gnugo.send(command)
    start, end, result = time.perf_counter(), MOVE_CAP, None
    try:
        for ply in range(match.move_cap):
            colour = "bw"[ply % 2]
            if colour == network:
                gnugo.send(f"play {colour} {to_gtp(game.genmove(colour))}")
            else:
                vertex = gnugo.send(f"genmove {colour}")
                if vertex.lower() == "resign":
                    end, result = "GNU Go resigned", f"{network.upper()}+R"
                    break
                game.play(colour, from_gtp(vertex))
            if game.over:
                end = "two passes"
                break
        result = result or gnugo.send("final_score")
    except EngineError as error:
        if not gnugo.exited:
            raise
        end, result = GNU_GO_DIED, VOID
        print(f"game {number}: {error}: no result", file=sys.stderr, flush=True)
    ours = game.result() if end == "two passes" else ""
    history = game.position.history
    seconds = time.perf_counter() - start
    outcome = Outcome(
        number, network, len(history), result, end, game_digest(history), ours, seconds
    )
    save_game(game, outcome, match)
    return outcome


def game_path(match: Match, number: int) -> Path:
    return match.out_dir / f"game-{number:03d}.sgf"


def save_game(game: Game, outcome: Outcome, match: Match) -> None:
    record = game.record()
    root = record.get_root()
    gnugo_name = f"GNU Go level {match.level}"
    root.set("PB" if outcome.network == "b" else "PW", game.name)
    root.set("PW" if outcome.network == "b" else "PB", gnugo_name)
    root.set("RE", outcome.result)
    root.set("GN", f"vs_gnugo game {outcome.number}")
    ours = f"; our count {outcome.ours}" if outcome.ours else ""
    scored = (
        "no result" if not outcome.decided else "scored by GNU Go final_score (--chinese-rules)"
    )
    root.set("C", f"Ended by {outcome.end}; {scored}{ours}.")
    write_sgf(record, game_path(match, outcome.number))


def load_outcome(path: Path, number: int) -> Outcome:
    """A game saved by an earlier (interrupted) run of the same match."""
    game = sgf.Sgf_game.from_bytes(path.read_bytes())
    root, moves = game.get_root(), [node.get_move() for node in game.get_main_sequence()[1:]]
    comment = root.get("C")
    end = comment.removeprefix("Ended by ").split(";")[0]
    ours = re.search(r"our count ([^;.]+(?:\.\d)?)", comment)
    return Outcome(
        number,
        network_colour(number),
        len(moves),
        root.get("RE"),
        end,
        game_digest(moves),
        ours.group(1) if ours else "",
    )


def other_networks_games(match: Match, name: str) -> list[Path]:
    """The saved games of the match's folder that a network other than `name` played: left
    by a match of an earlier network, they are not this one's to count."""
    stale = []
    for path in sorted(match.out_dir.glob("game-*.sgf")):
        root = sgf.Sgf_game.from_bytes(path.read_bytes()).get_root()
        number = int(path.stem.removeprefix("game-"))
        player = "PB" if network_colour(number) == "b" else "PW"
        if not root.has_property(player) or root.get(player) != name:
            stale.append(path)
    return stale


def counted(number: int, noun: str) -> str:
    """A count and its noun, plural unless there is one.

    >>> counted(1, "loss"), counted(0, "win"), counted(2, "loss")
    ('1 loss', '0 wins', '2 losses')
    """
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{number} {noun if number == 1 else plural}"


def reproduce(match: Match, weights: str | None, recorded: bool) -> str:
    """The command that plays this match again: with --record only for a recorded match (a
    trial run again must not replace the recorded page).

    >>> trial = reproduce(Match(2, 10, 400, 0.0, 0, Path("runs")), "w.pt", recorded=False)
    >>> trial.removeprefix("python -m benchmarks.vs_gnugo ")
    '--games 2 --level 10 --temperature 0 --seed 0 --weights w.pt --jobs 2'
    """
    words = ["--games", match.games, "--level", match.level]
    words += ["--temperature", f"{match.temperature:g}", "--seed", match.seed]
    if match.move_cap != MOVE_CAP_DEFAULT:
        words += ["--move-cap", match.move_cap]
    if weights is not None:
        words += ["--weights", weights]
    words += ["--jobs", 2, *(["--record"] if recorded else [])]
    return command_line("vs_gnugo", list(map(str, words)))


def report(
    outcomes: list[Outcome], match: Match, description: str, trained: bool, command: str
) -> str:
    wins = sum(o.network_won for o in outcomes)
    decided = sum(o.decided for o in outcomes)
    low, high = wilson_interval(wins, decided)
    proper = sum(o.ended_properly for o in outcomes)
    timed = [o.seconds for o in outcomes if o.seconds is not None]
    timing = (
        f"Median game: {np.median(timed):.0f} s of play ({len(timed)} games played in this run)."
        if timed
        else "No game played in this run: no timing."
    )
    return page(
        "# The policy network against GNU Go (no search)",
        [
            f"network: {description}; temperature {match.temperature:g}",
            f"opponent: GNU Go level {match.level} (--chinese-rules)",
            f"rules: 19x19, area scoring by GNU Go's final_score, komi {KOMI:g}, colours "
            f"alternating, move cap {match.move_cap}",
            f"games saved as SGF in {shown(match.out_dir)}",
        ],
        f"**Network: {counted(wins, 'win')}, {counted(decided - wins, 'loss')} of "
        f"{counted(decided, 'game')} with a result; "
        f"win rate {wins / max(decided, 1):.0%}, 95% Wilson interval "
        f"[{low:.0%}, {high:.0%}]; {len({o.digest for o in outcomes})} distinct games.**",
        f"{proper} of {len(outcomes)} games ({proper / max(len(outcomes), 1):.0%}) ended by two"
        f" passes or a resignation, {sum(o.end == MOVE_CAP for o in outcomes)} at the move cap,"
        f" {len(outcomes) - decided} without a result (GNU Go exited).",
        timing,
        "With temperature 0 the network is deterministic, and GNU Go (random seed set per game)"
        " varies only among equally valued moves, so games can repeat; --temperature T samples"
        " the network's moves and makes every game different.",
        table(
            ["game", "network", "moves", "result (GNU Go)", "our count", "ended by", "seconds"],
            (
                [
                    o.number,
                    "Black" if o.network == "b" else "White",
                    o.moves,
                    o.result,
                    o.ours,
                    o.end,
                    "" if o.seconds is None else f"{o.seconds:.0f}",
                ]
                for o in outcomes
            ),
            align="rlrlllr",
        ),
        ANCHORS,
        host=machine(),
        command=command,
        intro=None
        if trained
        else "**Untrained random network: a baseline for the harness, not a measure of the "
        "network.**",
    )


def parse_args(argv: list[str] | None) -> tuple[Match, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--games", type=positive_int, default=4, help="games in the match (default 4)"
    )
    parser.add_argument("--level", type=int, default=1, help="GNU Go level, 0-10 (default 1)")
    parser.add_argument(
        "--move-cap",
        type=positive_int,
        default=MOVE_CAP_DEFAULT,
        help=f"moves after which a game ends without two passes (default {MOVE_CAP_DEFAULT})",
    )
    add_temperature(parser)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="game n's seed is this and n: GNU Go's, the sampling's, the playouts' (default 0)",
    )
    add_weights(parser)
    add_threads(parser, note="per job")
    parser.add_argument(
        "--jobs", type=positive_int, default=1, help="games played at once (default 1)"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"a match to keep: the summary to {shown(RECORDED)}, the games beside it",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        help="games folder (default runs/vs_gnugo/level-L, or with "
        "--record benchmarks/results/vs_gnugo-level-L)",
    )
    parser.add_argument("--out", type=Path, help="the summary's file (default: see --record)")
    args = parser.parse_args(argv)
    recorded = RESULTS / f"vs_gnugo-level-{args.level}"
    out_dir = args.out_dir or (
        recorded if args.record else ROOT / "runs" / "vs_gnugo" / f"level-{args.level}"
    )
    args.out = args.out or (RECORDED if args.record else out_dir / "summary.md")
    match = Match(args.games, args.level, args.move_cap, args.temperature, args.seed, out_dir)
    return match, args


_player: tuple[Game, GnuGo, Match] | None = None  # one per process


def referee(match: Match) -> GnuGo:
    """A GNU Go for the match: its level, Chinese rules."""
    return GnuGo(level=match.level, extra_args=("--chinese-rules",))


def start_player(match: Match, weights: str | None, threads: int) -> None:
    """This process's network and GNU Go, for the games it will play."""
    global _player
    torch.set_num_threads(threads)
    torch.manual_seed(match.seed)  # the same random network every run when none is trained
    game = Game(load_policy(weights), match.temperature, match.seed)
    _player = game, referee(match), match


def start_job(parent: int, match: Match, weights: str | None, threads: int) -> None:
    """A job process of --jobs N: it leaves Ctrl-C to the main process (`parent`) and ends when
    that one does (its GNU Go, reading from it, then ends too); then its player."""
    start_worker(parent)
    start_player(match, weights, threads)


def play_numbered(number: int) -> Outcome:
    """Game `number`, played by this process's player (see start_player); a GNU Go that
    exited is replaced for the next game."""
    global _player
    game, gnugo, match = _player
    outcome = play_game(game, gnugo, number, match)
    if outcome.end == GNU_GO_DIED:
        gnugo.close()
        _player = game, referee(match), match
    return outcome


def tallied(results: Iterable[Outcome], total: int) -> Iterator[Outcome]:
    """The outcomes as they come, with a progress bar that keeps the score."""
    bar = tqdm(results, total=total, unit="game")
    wins = 0
    for outcome in bar:
        wins += outcome.network_won
        bar.set_postfix_str(
            f"game {outcome.number}: {outcome.result} in {outcome.seconds:.0f}s; {wins} won"
        )
        yield outcome


def played(numbers: list[int], match: Match, args: argparse.Namespace) -> Iterator[Outcome]:
    """The games numbered `numbers`, as they finish, on --jobs processes."""
    setup = (match, args.weights, args.threads)
    if args.jobs == 1:
        start_player(*setup)
        try:
            yield from tallied(map(play_numbered, numbers), len(numbers))
        finally:
            _player[1].close()
        return
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(args.jobs, start_job, (os.getpid(), *setup)) as pool:
        yield from tallied(pool.imap_unordered(play_numbered, numbers), len(numbers))


def main(argv: list[str] | None = None) -> int:
    match, args = parse_args(argv)
    match.out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)  # as in every job, so the report's machine line says so
    policy = load_policy(args.weights)  # for the report's description; the jobs load their own
    stale = other_networks_games(match, policy.description)
    if stale:
        print(
            f"{shown(match.out_dir)}: {len(stale)} saved games were played by another network; "
            f"this match of {policy.description} plays them again",
            file=sys.stderr,
        )
        for path in stale:
            path.unlink()
    numbers = range(1, match.games + 1)
    done = [n for n in numbers if game_path(match, n).exists()]
    outcomes = [load_outcome(game_path(match, n), n) for n in done]
    try:
        outcomes += played([n for n in numbers if n not in done], match, args)
    except KeyboardInterrupt:
        saved = sum(game_path(match, n).exists() for n in numbers)
        print(
            f"interrupted: {saved} of {match.games} games saved in {shown(match.out_dir)}; "
            "run the same command again to play the others",
            file=sys.stderr,
        )
        return 130
    outcomes.sort(key=lambda o: o.number)
    command = reproduce(match, args.weights, args.record)
    text = report(outcomes, match, policy.description, policy.trained, command)
    print(text)
    write_atomically(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
