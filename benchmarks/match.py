"""Matches between the policy network (no search) and any GTP engine: even or handicap games,
any strength level, wins and losses with a 95% interval.

    python -m benchmarks.match --opponent "gnugo --mode gtp --level 5" [--games 40]
        [--strength N] [--symmetries 8] [--handicap H [--network-takes-handicap]]
        [--referee gnugo|opponent] [--jobs N] [--out-dir DIR]

19x19, Chinese (area) rules. Even games (no --handicap): komi 7.5, colours alternating (the
network is Black in odd-numbered games). Handicap games: the network gives H stones (2-9):
the opponent is Black with GTP `fixed_handicap H` (the standard points) and komi 0.5, the
network White in every game; --network-takes-handicap turns it round. A game runs until two
passes in a row, a resignation by the opponent, or the move cap; then the referee counts it
with `final_score`: by default a GNU Go (--chinese-rules) given the whole game, or the
opponent itself (--referee opponent). Our own count (`Game.result`, dead stones found by
playouts) is shown beside it. The network plays through `Game` in process at its strength
level (`alphago_policy.strength`; default the full network's most probable sensible move),
passes when the game is over by its playouts, and never resigns here.

Every game is saved as SGF (HA and AB for the handicap stones) in the games folder; games
already there are counted again, not replayed, so an interrupted match resumes: the command
run again plays the games that were not finished. Each game's root comment names the network
by its weights' fingerprint, level, symmetries and temperature, so a reworded card does not
make another match of it; games of another match (network, opponent, handicap or komi) in
the folder stop the match with a message, and are never deleted. The job processes end with the main
one, even by `kill -9`, and their engines with them. Game n depends only on n and --seed (the
opponent's seed where it takes `set_random_seed`, the network's sampling and the playouts are
set per game), so --jobs N processes, each with its own opponent, play the same games as one.
The summary (per game and in total, with a Wilson 95% interval) is printed and written beside
the games (summary.md).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import re
import shlex
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from sgfmill import sgf
from tqdm import tqdm

from alphago_policy.analysis import wilson_interval
from alphago_policy.cli import add_temperature, add_threads, add_weights, fail, positive_int
from alphago_policy.game import Game, write_sgf
from alphago_policy.policy import WeightsError, load_policy
from alphago_policy.strength import STRONGEST, set_strength, set_symmetries
from alphago_policy.workers import start_worker
from benchmarks.common import (
    command_line,
    counted,
    machine,
    page,
    shown,
    table,
    write_atomically,
)
from benchmarks.gnugo import EngineError, GTPClient, find_gnugo
from sgf_data.coords import Move, from_gtp, to_gtp

ROOT = Path(__file__).resolve().parents[1]
EVEN_KOMI, HANDICAP_KOMI = 7.5, 0.5
MOVE_CAP_DEFAULT = 400
MOVE_CAP = "move cap"
ENGINE_DIED = "GNU Go exited"  # GNU Go 3.8 dies on a few positions: the game has no result
REFEREE_REFUSED = "referee refused the game"
VOID = "Void"


@dataclass(frozen=True)
class Match:
    """What a match plays: the opponent (its GTP command and the name its games give it), the
    handicap, the network's level, and where the games go."""

    games: int
    opponent: tuple[str, ...]
    opponent_name: str
    out_dir: Path
    move_cap: int = MOVE_CAP_DEFAULT
    temperature: float = 0.0
    seed: int = 0
    handicap: int = 0  # stones; 0: even games
    network_takes_handicap: bool = False
    strength: int | None = None  # a level of alphago_policy.strength; None: --temperature
    symmetries: int = 1
    referee: str = "gnugo"  # or "opponent"
    weights: str | None = None
    threads: int = 1
    notes: tuple[str, ...] = field(default=())

    @property
    def komi(self) -> float:
        return HANDICAP_KOMI if self.handicap else EVEN_KOMI

    def network_colour(self, number: int) -> str:
        """The network's colour in game `number`: alternating in even games (Black in odd
        ones), White when it gives a handicap, Black when it takes one.

        >>> m = Match(2, ("x",), "x", Path("."))
        >>> m.network_colour(1), m.network_colour(2)
        ('b', 'w')
        >>> from dataclasses import replace
        >>> replace(m, handicap=3).network_colour(1), replace(
        ...     m, handicap=3, network_takes_handicap=True).network_colour(2)
        ('w', 'b')
        """
        if self.handicap:
            return "b" if self.network_takes_handicap else "w"
        return "b" if number % 2 else "w"


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
        return self.end not in (MOVE_CAP, ENGINE_DIED, REFEREE_REFUSED)

    @property
    def decided(self) -> bool:
        return self.result != VOID

    @property
    def network_won(self) -> bool:
        return self.result[:1].lower() == self.network


def game_digest(moves: list[Move]) -> str:
    """A short fingerprint of a move sequence, to count distinct games.

    >>> game_digest([("b", (3, 3)), ("w", None)])
    '2cf88157'
    """
    text = " ".join(f"{colour}{to_gtp(point)}" for colour, point in moves)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def new_game(game: Game, opponent: GTPClient, number: int, match: Match) -> None:
    """Both boards cleared for game `number`: komi, seeds, the handicap stones on both."""
    game.reset()
    game.komi = match.komi
    game.reseed([match.seed, number])  # sampling (temperature, levels) and playouts
    for command in ("boardsize 19", "clear_board", f"komi {match.komi:g}"):
        opponent.send(command)
    try:  # varies the opponent among equal moves where it can
        opponent.send(f"set_random_seed {match.seed + number}")
    except EngineError:
        if opponent.exited:
            raise
    if match.handicap:
        stones = opponent.send(f"fixed_handicap {match.handicap}").split()
        game.place_handicap([from_gtp(vertex) for vertex in stones])


def play_game(game: Game, opponent: GTPClient, number: int, match: Match) -> Outcome:
    """Play one game to two passes, the opponent's resignation or the cap; score it with the
    referee; save it; return it."""
    network = match.network_colour(number)
    start, end, result = time.perf_counter(), MOVE_CAP, None
    try:
        new_game(game, opponent, number, match)
        for _ in range(match.move_cap):
            colour = game.position.to_move
            if colour == network:
                opponent.send(f"play {colour} {to_gtp(game.genmove(colour))}")
            else:
                vertex = opponent.send(f"genmove {colour}")
                if vertex.lower() == "resign":
                    end, result = "opponent resigned", f"{network.upper()}+R"
                    break
                game.play(colour, from_gtp(vertex))
            if game.over:
                end = "two passes"
                break
        result = result or final_score(game, opponent, match)
    except EngineError as error:
        if not opponent.exited:
            raise
        end, result = ENGINE_DIED, VOID
        print(f"game {number}: {error}: no result", file=sys.stderr, flush=True)
    except RefereeError as error:
        end, result = REFEREE_REFUSED, VOID
        print(f"game {number}: {error}: no result", file=sys.stderr, flush=True)
    ours = game.result() if end == "two passes" else ""
    history = game.position.history
    seconds = time.perf_counter() - start
    outcome = Outcome(
        number, network, len(history), result, end, game_digest(history), ours, seconds
    )
    save_game(game, outcome, match)
    return outcome


class RefereeError(RuntimeError):
    """The referee would not take a move of the game (another rule) or exited."""


def final_score(game: Game, opponent: GTPClient, match: Match) -> str:
    """The result by the referee's `final_score`: the opponent's, or a GNU Go's that is
    given the game (setup stones, komi, every move)."""
    if match.referee == "opponent":
        return opponent.send("final_score")
    binary = find_gnugo()
    if binary is None:
        raise FileNotFoundError("GNU Go not found: install it, or use --referee opponent")
    with GTPClient([binary, "--mode", "gtp", "--chinese-rules"]) as referee:
        try:
            referee.send("boardsize 19")
            referee.send(f"komi {game.komi:g}")
            if game.setup[0]:
                referee.send(f"set_free_handicap {' '.join(map(to_gtp, game.setup[0]))}")
            for colour, point in game.position.history:
                referee.send(f"play {colour} {to_gtp(point)}")
            return referee.send("final_score")
        except EngineError as error:
            raise RefereeError(f"the GNU Go referee: {error}") from error


def game_path(match: Match, number: int) -> Path:
    return match.out_dir / f"game-{number:03d}.sgf"


def save_game(game: Game, outcome: Outcome, match: Match) -> None:
    record = game.record()
    root = record.get_root()
    root.set("PB" if outcome.network == "b" else "PW", game.name)
    root.set("PW" if outcome.network == "b" else "PB", match.opponent_name)
    root.set("RE", outcome.result)
    root.set("GN", f"match game {outcome.number}")
    ours = f"; our count {outcome.ours}" if outcome.ours else ""
    referee = "the opponent's" if match.referee == "opponent" else "a GNU Go referee's"
    scored = (
        "no result" if not outcome.decided else f"scored by {referee} final_score (--chinese-rules)"
    )
    root.set("C", f"Ended by {outcome.end}; {scored}{ours}. {network_identity(game, match)}.")
    write_sgf(record, game_path(match, outcome.number))


def network_identity(game: Game, match: Match) -> str:
    """The network's side of a match as its saved games record it: the weights by a fingerprint
    of their values (a card's wording may change, the play does not), level, symmetries and
    temperature."""
    digest = hashlib.sha1()
    for tensor in game.policy.model.state_dict().values():
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    level = game.strength.number if game.strength else "none"
    return (
        f"Network weights {digest.hexdigest()[:12]}, strength {level}, "
        f"{game.policy.symmetries} symmetries, temperature {match.temperature:g}"
    )


def load_outcome(path: Path, number: int, match: Match) -> Outcome:
    """A game saved by an earlier (interrupted) run of the same match."""
    game = sgf.Sgf_game.from_bytes(path.read_bytes())
    root, moves = game.get_root(), [node.get_move() for node in game.get_main_sequence()[1:]]
    comment = root.get("C")
    end = comment.removeprefix("Ended by ").split(";")[0]
    ours = re.search(r"our count ([^;.]+(?:\.\d)?)", comment)
    return Outcome(
        number,
        match.network_colour(number),
        len(moves),
        root.get("RE"),
        end,
        game_digest(moves),
        ours.group(1) if ours else "",
    )


def other_matches_games(match: Match, player: Game) -> list[Path]:
    """The saved games of the match's folder that are not this match's: another network (by
    `network_identity`, or by name in games saved before it was recorded), level, symmetries,
    temperature, opponent, handicap or komi. Left by an earlier match, they are not this one's
    to count."""
    identity, stale = network_identity(player, match), []
    for path in sorted(match.out_dir.glob("game-*.sgf")):
        root = sgf.Sgf_game.from_bytes(path.read_bytes()).get_root()
        number = int(path.stem.removeprefix("game-"))
        network = "PB" if match.network_colour(number) == "b" else "PW"
        other = "PW" if network == "PB" else "PB"
        expected = {other: match.opponent_name, "HA": match.handicap or None, "KM": match.komi}
        found = {key: root.get(key) if root.has_property(key) else None for key in expected}
        comment = root.get("C") if root.has_property("C") else ""
        if "Network weights " in comment:
            same_network = identity in comment
        else:
            same_network = root.has_property(network) and root.get(network) == player.name
        if found != expected or not same_network:
            stale.append(path)
    return stale


def settings_line(match: Match) -> str:
    if not match.handicap:
        return f"even games, komi {match.komi:g}, colours alternating"
    giver = "the opponent" if match.network_takes_handicap else "the network"
    taker = "The network" if match.network_takes_handicap else "The opponent"
    return (
        f"handicap {match.handicap} stones given by {giver}: {taker} is Black with "
        f"`fixed_handicap {match.handicap}` in every game, komi {match.komi:g}"
    )


def opponent_line(command: Sequence[str]) -> str:
    """The opponent's command line as a page shows it: a path inside the checkout (a built
    Pachi) relative to it, this Python as `python`, so the page names no machine's folders.

    >>> opponent_line(["gnugo", "--mode", "gtp", "--level", "5"])
    'gnugo --mode gtp --level 5'
    >>> opponent_line([sys.executable, "-m", "alphago_policy", "gtp"])
    'python -m alphago_policy gtp'
    """
    return shlex.join(shown_word(word) for word in command)


def shown_word(word: str) -> str:
    if word == sys.executable:
        return "python"
    return str(shown(Path(word))) if os.path.isabs(word) else word


def reproduce(match: Match, jobs: int) -> str:
    """The command that plays this match again from the checkout's root: the opponent, the
    handicap, the network's level and every setting given that is not the default.

    >>> m = Match(2, ("gnugo",), "GNU Go", Path("."), handicap=3, strength=2)
    >>> reproduce(m, 1).removeprefix("python -m benchmarks.match --opponent gnugo ")
    "--opponent-name 'GNU Go' --games 2 --handicap 3 --strength 2 --seed 0 --jobs 1"
    """
    words = ["--opponent", opponent_line(match.opponent), "--opponent-name", match.opponent_name]
    words += ["--games", match.games]
    if match.handicap:
        words += ["--handicap", match.handicap]
        words += ["--network-takes-handicap"] if match.network_takes_handicap else []
    if match.strength is not None:
        words += ["--strength", match.strength]
    if match.symmetries > 1:
        words += ["--symmetries", match.symmetries]
    if match.temperature:
        words += ["--temperature", f"{match.temperature:g}"]
    words += ["--seed", match.seed]
    if match.move_cap != MOVE_CAP_DEFAULT:
        words += ["--move-cap", match.move_cap]
    if match.referee != "gnugo":
        words += ["--referee", match.referee]
    if match.weights is not None:
        words += ["--weights", match.weights]
    return command_line("match", [*map(str, words), "--jobs", str(jobs)])


def report(
    outcomes: list[Outcome],
    match: Match,
    description: str,
    trained: bool,
    command: str | None = None,
    after: Sequence[str] = (),
) -> str:
    """The match's results page: the settings, the score with its interval, every game; then
    the paragraphs `after` and the `command` that plays it again."""
    wins = sum(o.network_won for o in outcomes)
    decided = sum(o.decided for o in outcomes)
    low, high = wilson_interval(wins, decided)
    proper = sum(o.ended_properly for o in outcomes)
    timed = [o.seconds for o in outcomes if o.seconds is not None]
    timing = (
        f"Median game: {np.median(timed):.0f} s of play ({counted(len(timed), 'game')} played "
        "in this run)."
        if timed
        else "No game played in this run: no timing."
    )
    referee = (
        "the opponent's final_score"
        if match.referee == "opponent"
        else "a GNU Go referee's final_score (--chinese-rules)"
    )
    temperature = "" if match.strength else f"; temperature {match.temperature:g}"
    return page(
        f"# The policy network against {match.opponent_name} (no search)",
        [
            f"network: {description}{temperature}",
            f"opponent: {match.opponent_name}: `{opponent_line(match.opponent)}`",
            f"games: {settings_line(match)}; 19x19, area scoring by {referee}, "
            f"move cap {match.move_cap}",
            f"games saved as SGF in {shown(match.out_dir)}",
            *match.notes,
        ],
        f"**Network: {counted(wins, 'win')}, {counted(decided - wins, 'loss')} of "
        f"{counted(decided, 'game')} with a result; win rate {wins / max(decided, 1):.0%}, "
        f"95% Wilson interval [{low:.0%}, {high:.0%}]; "
        f"{counted(len({o.digest for o in outcomes}), 'distinct game')}.**",
        f"{proper} of {counted(len(outcomes), 'game')} "
        f"({proper / max(len(outcomes), 1):.0%}) ended by two passes or a resignation, "
        f"{sum(o.end == MOVE_CAP for o in outcomes)} at the move cap, "
        f"{len(outcomes) - decided} without a result (the opponent or the referee failed).",
        timing,
        table(
            ["game", "network", "moves", "result", "our count", "ended by", "seconds"],
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
        *after,
        host=machine(),
        command=command,
        intro=None
        if trained
        else "**Untrained random network: a baseline for the harness, not a measure of the "
        "network.**",
    )


_player: tuple[Game, GTPClient, Match] | None = None  # one per process


def start_opponent(match: Match) -> GTPClient:
    return GTPClient(list(match.opponent))


def network(match: Match) -> Game:
    """The network's side of the match: the policy at its level and symmetries."""
    torch.manual_seed(match.seed)  # the same random network every run when none is trained
    game = Game(load_policy(match.weights), match.temperature, match.seed)
    if match.strength is not None:
        set_strength(game, match.strength, match.weights)
    if match.symmetries > 1:
        set_symmetries(game, match.symmetries)
    return game


def start_player(match: Match) -> None:
    """This process's network and opponent, for the games it will play."""
    global _player
    torch.set_num_threads(match.threads)
    _player = network(match), start_opponent(match), match


def start_job(parent: int, match: Match) -> None:
    """A job process of --jobs N: it leaves Ctrl-C to the main process (`parent`) and ends when
    that one does (its opponent, reading from it, then ends too); then its player."""
    start_worker(parent)
    start_player(match)


def play_numbered(number: int) -> Outcome:
    """Game `number`, played by this process's player (see start_player); an opponent that
    exited is replaced for the next game."""
    global _player
    game, opponent, match = _player
    outcome = play_game(game, opponent, number, match)
    if outcome.end == ENGINE_DIED:
        opponent.close()
        _player = game, start_opponent(match), match
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


def played(numbers: list[int], match: Match, jobs: int) -> Iterator[Outcome]:
    """The games numbered `numbers`, as they finish, on `jobs` processes."""
    if jobs == 1:
        start_player(match)
        try:
            yield from tallied(map(play_numbered, numbers), len(numbers))
        finally:
            _player[1].close()
        return
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(jobs, start_job, (os.getpid(), match)) as pool:
        yield from tallied(pool.imap_unordered(play_numbered, numbers), len(numbers))


def run(
    match: Match, jobs: int, out: Path, command: str | None = None, after: Sequence[str] = ()
) -> int:
    """Play (or resume) the match, print its summary and write it to `out`, with the paragraphs
    `after` and the `command` that plays it again (default: this module's, `reproduce`); 130
    when interrupted, after saying how to resume; 2, in one line, when the network's weights
    or the GNU Go referee cannot be had, or another match's games are in its folder."""
    try:
        return play_and_report(match, jobs, out, command or reproduce(match, jobs), after)
    except (WeightsError, FileNotFoundError) as error:
        return fail(error)


def play_and_report(match: Match, jobs: int, out: Path, command: str, after: Sequence[str]) -> int:
    """`run`'s work: the games not saved yet played, then the page."""
    match.out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(match.threads)  # as in every job, so the report's machine line says so
    player = network(match)  # for the report's description; the jobs make their own
    stale = other_matches_games(match, player)
    if stale:
        return fail(
            f"{shown(match.out_dir)}: {counted(len(stale), 'saved game')} ({stale[0].name} ...) "
            "of another match (network, level, symmetries, temperature, opponent, handicap or "
            "komi): move them away, or give this match another --out-dir"
        )
    numbers = range(1, match.games + 1)
    done = [n for n in numbers if game_path(match, n).exists()]
    outcomes = [load_outcome(game_path(match, n), n, match) for n in done]
    try:
        outcomes += played([n for n in numbers if n not in done], match, jobs)
    except KeyboardInterrupt:
        saved = sum(game_path(match, n).exists() for n in numbers)
        print(
            f"interrupted: {saved} of {match.games} games saved in {shown(match.out_dir)}; "
            "run the same command again to play the others",
            file=sys.stderr,
        )
        return 130
    outcomes.sort(key=lambda o: o.number)
    text = report(outcomes, match, player.name, player.policy.trained, command, after)
    print(text)
    write_atomically(out, text)
    return 0


def opponent_command(text: str) -> tuple[str, ...]:
    """The opponent's command line: a shell-like string, or `pachi:N` for the built Pachi at N
    playouts a move (`benchmarks.pachi`)."""
    if text.startswith("pachi:"):
        from benchmarks.pachi import command

        return tuple(command(int(text.removeprefix("pachi:"))))
    words = shlex.split(text)
    if not words:
        raise ValueError("empty: give a GTP engine's command line")
    return tuple(words)


def engine_name(command: tuple[str, ...]) -> str:
    """The opponent's GTP name and version, and its arguments: what its games call it."""
    with GTPClient(list(command)) as engine:
        name = f"{engine.send('name')} {engine.send('version')}".strip()
    return f"{name} ({shlex.join(command[1:])})" if len(command) > 1 else name


def folder_name(match: Match) -> str:
    """The default games folder's name: the opponent, the level, the handicap.

    >>> folder_name(Match(2, ("gnugo",), "GNU Go 3.8 (--level 5)", Path("."), strength=3))
    'GNU-Go-3.8-level-5-strength-3-even'
    """
    opponent = re.sub(r"[^A-Za-z0-9.=]+", "-", match.opponent_name.replace("--", "")).strip("-")
    level = f"strength-{match.strength}" if match.strength else "full"
    if match.symmetries > 1:
        level += f"-sym{match.symmetries}"
    stones = "even" if not match.handicap else f"H{match.handicap}"
    if match.handicap and match.network_takes_handicap:
        stones += "-taken"
    return f"{opponent}-{level}-{stones}"


def parse_args(argv: list[str] | None) -> tuple[Match, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--opponent",
        required=True,
        help='the GTP engine\'s command line, e.g. "gnugo --mode gtp --level 5", or pachi:N '
        "for the Pachi that `python -m benchmarks.pachi build` built, at N playouts a move",
    )
    parser.add_argument("--opponent-name", help="what the games call it (default: its GTP name)")
    parser.add_argument(
        "--games", type=positive_int, default=4, help="games in the match (default 4)"
    )
    parser.add_argument(
        "--handicap",
        type=int,
        default=0,
        choices=[0, *range(2, 10)],
        help="stones the network gives (2-9; komi 0.5), 0 for even games (komi 7.5)",
    )
    parser.add_argument(
        "--network-takes-handicap", action="store_true", help="the network takes the stones"
    )
    parser.add_argument(
        "--strength",
        type=int,
        choices=range(1, STRONGEST + 1),
        metavar=f"1-{STRONGEST}",
        help="the network's strength level (alphago_policy.strength; default: the full "
        "network's most probable move, or --temperature)",
    )
    parser.add_argument(
        "--symmetries",
        type=int,
        choices=(1, 8),
        default=1,
        help="8: the policy averaged over the 8 symmetries of the board (default 1)",
    )
    add_temperature(parser)
    parser.add_argument(
        "--move-cap",
        type=positive_int,
        default=MOVE_CAP_DEFAULT,
        help=f"moves after which a game ends without two passes (default {MOVE_CAP_DEFAULT})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="game n's seed is this and n: the opponent's, the sampling's, the playouts' "
        "(default 0)",
    )
    parser.add_argument(
        "--referee",
        choices=("gnugo", "opponent"),
        default="gnugo",
        help="whose final_score counts a game (default: a GNU Go given the game)",
    )
    add_weights(parser)
    add_threads(parser, note="per job")
    parser.add_argument(
        "--jobs", type=positive_int, default=1, help="games played at once (default 1)"
    )
    parser.add_argument("--out-dir", type=Path, help="games folder (default runs/match/NAME)")
    parser.add_argument("--out", type=Path, help="the summary (default OUT_DIR/summary.md)")
    args = parser.parse_args(argv)
    if args.network_takes_handicap and not args.handicap:
        parser.error("--network-takes-handicap needs --handicap 2-9")
    opponent = opponent_command(args.opponent)
    name = args.opponent_name or engine_name(opponent)
    match = Match(
        args.games,
        opponent,
        name,
        args.out_dir or Path("."),
        args.move_cap,
        args.temperature,
        args.seed,
        args.handicap,
        args.network_takes_handicap,
        args.strength,
        args.symmetries,
        args.referee,
        args.weights,
        args.threads,
    )
    if args.out_dir is None:
        match = replace(match, out_dir=ROOT / "runs" / "match" / folder_name(match))
    args.out = args.out or match.out_dir / "summary.md"
    return match, args


def main(argv: list[str] | None = None) -> int:
    try:
        match, args = parse_args(argv)
    except (OSError, ValueError, EngineError) as error:
        return fail(f"--opponent: {error}")
    return run(match, args.jobs, args.out)


if __name__ == "__main__":
    sys.exit(main())
