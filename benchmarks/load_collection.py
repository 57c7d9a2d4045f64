"""Load a whole SGF collection with `sgf_data.read_games` and report what came through, how fast.

    python -m benchmarks.load_collection [ROOT] [--record | --out FILE]

ROOT (default ../shared/data/sgf, beside the checkout) is searched for archives and SGF files;
each top-level archive or file is loaded in turn under one tqdm bar. Side by side, on the
largest archive, the bare sgfmill route (``Sgf_game.from_bytes``, ``get_main_sequence``,
``get_move``; no legality check, no metadata) gives the cost of what the loader adds. The
table, with the machine and the date, is printed; `--record` writes it to
benchmarks/results/load_collection.md (a trial goes to runs/benchmarks/load_collection.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import sgfmill
from sgfmill import sgf
from tqdm import tqdm

from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    page,
    publish,
    results_page,
    table,
)
from sgf_data import reader
from sgf_data.archives import check_paths, container_kind, sgf_files

DEFAULT_ROOT = Path("../shared/data/sgf")

EXPLANATIONS = {
    reader.UNREADABLE: "the file or archive member could not be read (damaged archive, I/O)",
    reader.NO_GAME: "the file holds no SGF game tree",
    reader.UNPARSABLE: "sgfmill cannot parse the game (truncated, malformed)",
    reader.NOT_19X19: "the board is not 19x19",
    reader.BAD_VALUE: "a move or setup stone is not a point on the board",
    reader.BAD_SETUP: "setup stones after the first move, or setup stones that cannot stand",
    reader.OCCUPIED: "a move on a point that already holds a stone",
    reader.ILLEGAL: "a move the rules forbid: suicide, or retaking a ko at once",
    reader.NO_MOVES: "no stone is played",
}


@dataclass
class Part:
    """One top-level archive or file of the collection and what loading it gave."""

    path: Path
    summary: reader.LoadSummary
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: what other work on the machine leaves alone
    peak_rss_mib: float  # the process's peak memory so far: flat when loading streams


def collection_parts(root: Path) -> list[Path]:
    """The archives and SGF files under root, sorted: each is loaded and reported on its own."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and container_kind(p.name))


def count_files(parts: list[Path]) -> int:
    """How many SGF files the parts hold (a quick pass: it sizes the progress bar)."""
    return sum(1 for _ in sgf_files(check_paths(parts)))


def load(parts: list[Path], total_files: int) -> tuple[list[Part], set[str], int]:
    """Load every part under one progress bar; the parts, the distinct game ids, all games."""
    done, ids, games = [], set(), 0
    with tqdm(total=total_files, unit="file", smoothing=0.05) as bar:
        for path in parts:
            summary, files_before = reader.LoadSummary(), bar.n
            start, cpu_start = time.perf_counter(), time.process_time()
            for game in reader.read_games(path, summary=summary):
                ids.add(game.game_id)
                games += 1
                bar.update(files_before + summary.files - bar.n)
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu_start
            done.append(Part(path, summary, seconds, cpu_seconds, peak_rss_mib()))
            bar.update(files_before + summary.files - bar.n)
            bar.set_postfix(games=games, skipped=sum(len(p.summary.skipped) for p in done))
    return done, ids, games


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_sgfmill(path: Path) -> tuple[int, int, float]:
    """Games, moves and CPU seconds for the bare sgfmill route over one archive (the peer)."""
    games = moves = 0
    start = time.process_time()
    for file in sgf_files([path]):
        try:
            game = sgf.Sgf_game.from_bytes(file.data)
            moves += sum(node.get_move()[0] is not None for node in game.get_main_sequence())
        except ValueError:
            continue
        games += 1
    return games, moves, time.process_time() - start


def part_cells(part: Part) -> list[str]:
    """One archive's row of the results table."""
    s = part.summary
    return [
        part.path.name,
        f"{s.files:,}",
        f"{s.games:,}",
        f"{s.moves:,}",
        str(len(s.skipped)),
        f"{part.seconds:.1f}",
        f"{part.cpu_seconds:.1f}",
        f"{s.games / part.cpu_seconds:,.0f}",
        f"{s.moves / part.cpu_seconds:,.0f}",
        f"{part.peak_rss_mib:,.0f}",
    ]


def report(parts: list[Part], ids: set[str], games: int, peer, root: Path, load) -> str:
    """The results page in Markdown."""
    files = sum(p.summary.files for p in parts)
    moves = sum(p.summary.moves for p in parts)
    seconds = sum(p.seconds for p in parts)
    cpu_seconds = sum(p.cpu_seconds for p in parts)
    skipped = [skip for p in parts for skip in p.summary.skipped]
    blocks: list[str | list[str]] = [
        table(
            [
                "",
                "files",
                "games",
                "moves",
                "skipped",
                "wall s",
                "CPU s",
                "games/CPU s",
                "moves/CPU s",
                "peak RSS MiB",
            ],
            [
                *(part_cells(p) for p in parts),
                [
                    f"**{cell}**"
                    for cell in (
                        "all",
                        f"{files:,}",
                        f"{games:,}",
                        f"{moves:,}",
                        len(skipped),
                        f"{seconds:.1f}",
                        f"{cpu_seconds:.1f}",
                        f"{games / cpu_seconds:,.0f}",
                        f"{moves / cpu_seconds:,.0f}",
                        f"{parts[-1].peak_rss_mib:,.0f}",
                    )
                ],
            ],
        ),
        f"Wall clock: {seconds:.0f} s, {games / seconds:,.0f} games/s, {moves / seconds:,.0f} "
        "moves/s on a shared machine; the CPU columns are this process's own time, which the "
        "other work on the machine does not inflate.",
        f"Distinct game ids: {len(ids):,} of {games:,} games "
        f"({games - len(ids):,} games share an id with another game: the same PC+GN twice).",
    ]
    if peer is not None:
        path, (peer_games, peer_moves, peer_seconds) = peer
        ours = next(p for p in parts if p.path == path)
        ratio = ours.cpu_seconds / peer_seconds
        blocks += [
            "## Side by side with bare sgfmill",
            f"On {path.name}: bare sgfmill (`Sgf_game.from_bytes`, `get_main_sequence`, "
            f"`get_move`: no legality check, no metadata, no id) read {peer_games:,} games, "
            f"{peer_moves:,} moves in {peer_seconds:.1f} CPU s; `read_games` took "
            f"{ours.cpu_seconds:.1f} CPU s for the same archive, {ratio:.2f}x the bare parse, "
            "legality replay included.",
        ]
    blocks.append("## Skipped games")
    by_reason = reader.LoadSummary(skipped=skipped).by_reason
    reasons = [f"- {reason}: {n} ({EXPLANATIONS[reason]})" for reason, n in by_reason.items()]
    blocks.append(reasons or ["None."])
    if skipped:
        blocks.append(
            table(
                ["source", "game", "move", "reason", "detail"],
                (
                    [
                        skip.source.replace(str(root), "").lstrip("/"),
                        skip.game or "",
                        skip.move_number or "",
                        skip.reason,
                        skip.detail,
                    ]
                    for skip in skipped
                ),
                align="lrrll",
            )
        )
    return page(
        "# Loading the training collection",
        [f"load average (1 min) at the start and the end: {load[0]:.1f}, {load[1]:.1f}"],
        *blocks,
        host=machine("cpu", f"sgfmill {sgfmill.__version__}; one process"),
        command=None,
        intro=f"`{command_line('load_collection', [str(root)])}`: every game read with "
        "`sgf_data.read_games` (sgfmill parse, main line, metadata, game id, and one legality "
        "replay of each game through `sgf_data.Position`), archives streamed, nothing extracted.",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT)
    add_output_arguments(parser)
    parser.add_argument("--no-peer", action="store_true", help="skip the bare sgfmill run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the skips are listed in the report instead
    parts = collection_parts(args.root)
    load_at_start = os.getloadavg()[0]
    parts_loaded, ids, games = load(parts, count_files(parts))
    largest = max(parts, key=lambda path: path.stat().st_size)  # warm by then, unless alone
    peer = None if args.no_peer else (largest, bare_sgfmill(largest))
    load_average = (load_at_start, os.getloadavg()[0])
    text = report(parts_loaded, ids, games, peer, args.root, load_average)
    publish(results_page(args, "load_collection"), text)


if __name__ == "__main__":
    main()
