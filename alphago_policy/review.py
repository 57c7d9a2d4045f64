"""Review a game with the policy network: for every move of its main line, the network's
probability of the move played, its rank among the legal points and the network's top 3,
written into the game's SGF for a Go editor (Sabaki, KaTrain, ...); a summary per player
(agreement with the network by phase, mean log-probability, the moves it found least likely).

    python -m alphago_policy review GAME.sgf [--out FILE.sgf] [--player b|w|both]
                                             [--surprises N] [--plot FILE.png] [--weights W]

The annotated record goes to GAME-review.sgf beside GAME.sgf unless --out says where; it keeps
everything the record held (see alphago_policy.annotate for what is added and where). The
network runs once per position, batched, with evaluate's precision: a move's probability is
the one `evaluate` computes for that position (the softmax over all 361 points); ranks and
top-k agreement are among the legal points. Passes count in move numbers but not in the
figures (the network does not predict them). Handicap and setup stones, any encoding the
record declares (GB2312, EUC-KR, ...) are read as `sgf_data.reader` reads them; a board other
than 19x19 is refused.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from alphago_policy.agreement import (
    AGREEMENT,
    BATCH_SIZE,
    GameReview,
    PlayerSummary,
    percent,
    review_game,
)
from alphago_policy.annotate import COLOUR_NAMES, annotated
from alphago_policy.cli import add_device, add_weights, checked_device, fail, positive_int
from alphago_policy.evaluate import check_plot
from alphago_policy.files import atomic_open, save_figure
from alphago_policy.metrics import PHASE_ENDS
from sgf_data.archives import SgfFile
from sgf_data.coords import to_gtp
from sgf_data.reader import NOT_19X19, GameRecord, LoadSummary, games_of

PLAYERS = {"b": "b", "w": "w", "both": "bw"}
SURPRISES = 5
INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C, as shells give it


def read_game(path: str) -> tuple[bytes, GameRecord]:
    """The bytes of one SGF file and its first game; FileNotFoundError or ValueError naming
    the file, the game and what to do where there is none to review."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no such SGF file; give one game record (.sgf)")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror})") from None
    summary = LoadSummary()
    reader_log = logging.getLogger("sgf_data.reader")
    reader_log.disabled = True  # the reason of a skip is said once, in the error below
    try:
        record = next(games_of([SgfFile(str(path), data)], summary), None)
    finally:
        reader_log.disabled = False
    if summary.skipped:
        skip = summary.skipped[0]
        advice = "the network plays 19x19 only" if skip.reason == NOT_19X19 else "fix the record"
        raise ValueError(f"{skip}; nothing to review ({advice})")
    assert record is not None  # a file without a usable first game was skipped above
    return data, record


def output_path(game: str, out: str | None) -> Path:
    """Where the annotated record goes: --out, else GAME-review.sgf beside the game; ValueError
    for the game itself or a missing directory."""
    path = Path(out) if out else Path(game).with_name(Path(game).stem + "-review.sgf")
    if path.resolve() == Path(game).resolve():
        raise ValueError(f"--out {out}: that is the game itself; choose another file")
    if not path.absolute().parent.is_dir():
        raise ValueError(f"--out {path}: there is no directory {path.parent}")
    return path


def player(record: GameRecord, colour: str) -> str:
    """'Black 李昌镐 9p' from the record's names and ranks, as far as they are given."""
    name, rank = (
        (record.black, record.black_rank) if colour == "b" else (record.white, record.white_rank)
    )
    return " ".join(part for part in (COLOUR_NAMES[colour], name, rank) if part)


def game_line(record: GameRecord) -> str:
    """One line naming the game: players, result, moves, komi, handicap."""
    parts = [f"{player(record, 'b')} vs {player(record, 'w')}"]
    parts += [record.result] if record.result else []
    parts.append(f"{len(record.moves)} moves, komi {record.komi:g}")
    stones = len(record.setup_black)
    if record.handicap or stones:
        parts.append(f"handicap {record.handicap or stones}")
    return ", ".join(parts)


def figures_table(summaries: list[PlayerSummary]) -> list[str]:
    """The agreement rows of each player, aligned ('-' where a phase has no moves)."""
    tops = "".join(f" {f'top-{k}':>7}" for k in AGREEMENT)
    lines = [f"{'player':<7} {'phase':<13} {'moves':>6}{tops} {'mean ln p':>10}"]
    for summary in summaries:
        for row in summary.rows:
            shares = "".join(
                f" {'-' if t is None else f'{100 * t:.1f}%':>7}" for t in row.top.values()
            )
            mean = "-" if row.mean_log_probability is None else f"{row.mean_log_probability:.3f}"
            name = COLOUR_NAMES[summary.colour]
            lines.append(f"{name:<7} {row.phase:<13} {row.moves:>6}{shares} {mean:>10}")
    return lines


def surprises_table(summaries: list[PlayerSummary]) -> list[str]:
    """Each player's surprises: move number, point, probability, the network's choice."""
    lines = [f"{'player':<7} {'move':>5}  {'point':<5} {'network':>8}  it preferred"]
    for summary in summaries:
        for move in summary.surprises:
            (best, p), *_ = move.favourites(1)
            lines.append(
                f"{COLOUR_NAMES[summary.colour]:<7} {move.number:>5}  {to_gtp(move.point):<5} "
                f"{percent(move.probability):>8}  {to_gtp(best)} {percent(p)}"
            )
    return lines


def summary_text(review: GameReview, summaries: list[PlayerSummary], surprises: int) -> str:
    """The review's summary: the network, the game, the figures and the surprises."""
    lines = [
        f"Network: {review.network}",
        f"Game: {game_line(review.record)}",
        "",
        "Agreement with the network: the share of the moves played among its top 1, 3, 5",
        "legal points; the mean natural log of its probability of them (passes left out)",
        *figures_table(summaries),
        "",
        f"Surprises: the {surprises} moves of each player the network found least likely",
        *surprises_table(summaries),
    ]
    return "\n".join(lines)


def plot(review: GameReview, summaries: list[PlayerSummary], path: str) -> None:
    """The probability of each move played over the game, a panel per player, the surprises
    circled; written to `path` atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(summaries), 1, figsize=(9, 1 + 2.6 * len(summaries)), sharex=True, squeeze=False
    )
    for ax, summary in zip(axes[:, 0], summaries, strict=True):
        moves = [m for m in review.played_by(summary.colour) if m.point is not None]
        ax.semilogy([m.number for m in moves], [m.probability for m in moves], ".-", lw=0.5, ms=3)
        numbers = [m.number for m in summary.surprises]
        chances = [m.probability for m in summary.surprises]
        ax.scatter(numbers, chances, s=70, facecolors="none", edgecolors="red")
        for number, chance in zip(numbers, chances, strict=True):
            ax.annotate(
                str(number), (number, chance), (5, 2), textcoords="offset points", fontsize=7
            )
        lowest = min((m.probability for m in moves), default=1.0)
        ax.set_ylim(lowest / 4, 1.5)
        for end in PHASE_ENDS:
            ax.axvline(end + 0.5, color="grey", lw=0.5, ls=":")
        ax.set_ylabel(f"{COLOUR_NAMES[summary.colour]}\np(move played)")
    axes[-1, 0].set_xlabel("move number")
    record = review.record
    title = f"{record.game_id}: {record.result}; circled: each player's surprises"
    fig.suptitle(f"{review.network}\n{title}", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("game", metavar="GAME.sgf", help="the game record to review")
    parser.add_argument(
        "--out", metavar="FILE.sgf", help="the annotated record (default: GAME-review.sgf)"
    )
    parser.add_argument(
        "--player", choices=PLAYERS, default="both", help="whose moves to review (default: both)"
    )
    parser.add_argument(
        "--surprises",
        type=positive_int,
        default=SURPRISES,
        metavar="N",
        help=f"how many of each player's least likely moves to list (default: {SURPRISES})",
    )
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the moves' probabilities")
    add_weights(parser)
    add_device(parser)
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE)


def run(args: argparse.Namespace) -> int:
    from alphago_policy.policy import WeightsError, load_policy

    try:
        data, record = read_game(args.game)
        out = output_path(args.game, args.out)
        if args.plot:
            check_plot(args.plot)
        policy = load_policy(args.weights, device=checked_device(args.device))
    except (FileNotFoundError, ValueError, WeightsError) as error:
        return fail(error)
    colours = PLAYERS[args.player]
    try:
        with tqdm(total=len(record.moves), unit="position", file=sys.stderr, leave=False) as bar:
            review = review_game(policy, record, args.batch_size, bar.update)
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return INTERRUPTED
    summaries = [review.summary(colour, args.surprises) for colour in colours]
    summary = summary_text(review, summaries, args.surprises)
    print(summary)
    with atomic_open(out) as file:
        file.write(annotated(data, review, colours, summary, args.surprises))
    print(f"\nannotated record written to {out}")
    if args.plot:
        plot(review, summaries, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `alphago-review` console script."""
    parser = argparse.ArgumentParser(prog="alphago-review", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
