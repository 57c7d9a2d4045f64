"""What the benchmarks share: results pages (`page`, `publish`), the machine line, timing helpers.

A results page says where and when it was measured, so these live in one place and read
the same on every page; the side-by-side timings pin to one core and time first calls the
same way. Run the benchmarks from the checkout's root with ``python -m benchmarks.NAME``.

A run is a trial unless it says otherwise: it prints its page and writes it under runs/
(which git ignores), so a short try never replaces the recorded results in
benchmarks/results; ``--record`` writes the recorded page (see `add_output_arguments`).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from alphago_policy.files import atomic_open
from alphago_policy.runtime import cpu_model

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"  # the recorded pages, committed
TRIALS = ROOT / "runs" / "benchmarks"  # trial pages, ignored by git


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``0.4, 0.7, 0.9``."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def machine(device: str = "cpu", *notes: str) -> str:
    """One line naming the CPU, cores, GPU, OS, Python and torch, then `notes`, then the load.

    torch is named (with its thread count) only when the benchmark has imported it, so the
    benchmarks that do not use it do not pay for its import.
    """
    torch = sys.modules.get("torch")
    gpu = torch.cuda.get_device_name() if torch and device.startswith("cuda") else "no GPU used"
    parts = [
        f"{cpu_model()}, {os.cpu_count()} cores, {gpu}",
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}",
    ]
    if torch:
        parts.append(f"torch {torch.__version__} with {torch.get_num_threads()} threads")
    parts += notes
    parts.append(f"load average {load_average()} (other jobs may share this machine)")
    return "; ".join(parts)


def cold_and_warm_seconds(statements: str) -> tuple[float, float]:
    """Seconds a fresh interpreter takes to run `statements`: with an empty numba cache
    (imports and compilation), then again with the cache that first run filled."""
    code = f"import time; t = time.perf_counter(); {statements}; print(time.perf_counter() - t)"
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        run = [sys.executable, "-c", code]
        cold, warm = (
            float(subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout)
            for _ in range(2)
        )
    return cold, warm


def pin_to_one_core() -> str:
    """Pin this process to one core, so a side-by-side timing is one core against one;
    returns the note for the machine line."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    return "pinned to 1 core"


def utc_now() -> str:
    """The date and time now, to the minute, in UTC: ``2026-11-25 07:01 UTC``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> list[str]:
    """A markdown table's lines; `align` has an ``l`` or ``r`` per column (default: ``lrr...``).

    >>> print("\\n".join(table(["stage", "games"], [["read", "1,000"]])))
    | stage | games |
    |---|---:|
    | read | 1,000 |
    """
    align = align or "l" + "r" * (len(columns) - 1)
    if len(align) != len(columns):
        raise ValueError(f"{len(columns)} columns but alignment {align!r}")
    rule = "|".join("---:" if a == "r" else "---" for a in align)
    lines = [f"| {' | '.join(columns)} |", f"|{rule}|"]
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"{len(columns)} columns but a row of {len(row)}: {row!r}")
        lines.append(f"| {' | '.join(str(cell) for cell in row)} |")
    return lines


def page(
    heading: str,
    facts: Sequence[str],
    *blocks: str | Sequence[str],
    host: str | None,
    command: str | None,
    intro: str | None = None,
) -> str:
    """A results page, or a device kind's section of one (`heading` ``## cuda``), laid out as
    every page is: the heading, an `intro` paragraph if any, a list of the date, the machine
    line `host` and the `facts`, the `blocks` (a paragraph, or lines such as a `table`'s) apart
    by blank lines, and the `command` that measures it again.

    >>> print(page("# Speed", ["data: 3 games"], "Fast.", table(["a", "b"], [[1, 2]]),
    ...            host="a CPU", command="python -m benchmarks.x"))  # doctest: +ELLIPSIS
    # Speed
    <BLANKLINE>
    - date: ... UTC
    - machine: a CPU
    - data: 3 games
    <BLANKLINE>
    Fast.
    <BLANKLINE>
    | a | b |
    |---|---:|
    | 1 | 2 |
    <BLANKLINE>
    Reproduce: `python -m benchmarks.x`
    <BLANKLINE>
    """
    listed = [f"date: {utc_now()}", *([f"machine: {host}"] if host else []), *facts]
    parts = [[heading], *([[intro]] if intro else []), [f"- {fact}" for fact in listed]]
    parts += [[block] if isinstance(block, str) else list(block) for block in blocks]
    if command:
        parts.append([f"Reproduce: `{command}`"])
    return "\n\n".join("\n".join(part) for part in parts) + "\n"


def counted(number: int, noun: str) -> str:
    """A count and its noun, plural unless there is one, as a page says it.

    >>> counted(1, "loss"), counted(0, "win"), counted(2, "loss"), counted(1, "game")
    ('1 loss', '0 wins', '2 losses', '1 game')
    """
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{number} {noun if number == 1 else plural}"


def write_atomically(path: Path, text: str) -> None:
    """Write a results file through a temporary file in its directory, then os.replace.

    An interrupted run leaves the previous file whole; the file is readable by all (0644),
    which a temporary file is not.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w") as f:
        f.write(text)


def merge(old: str, title: str, new: str) -> str:
    r"""A results page `old` with the section of `new`'s device kind replaced, others kept.

    >>> page = merge("", "# Speed", "## cpu\n\n1 s")
    >>> print(merge(merge(page, "# Speed", "## cuda\n\n2 ms"), "# Speed", "## cpu\n\n0.9 s"))
    # Speed
    <BLANKLINE>
    ## cuda
    <BLANKLINE>
    2 ms
    <BLANKLINE>
    ## cpu
    <BLANKLINE>
    0.9 s
    <BLANKLINE>
    """
    kept = [part for part in old.split("\n## ")[1:] if not new.startswith("## " + part.split()[0])]
    return "\n\n".join([title, *("## " + part.strip() for part in kept), new.strip()]) + "\n"


def write_section(path: Path, title: str, section: str) -> None:
    """Put a run's section (``## <device kind>`` ...) into the results page at `path`,
    replacing that kind's previous section and keeping the others' (a GPU run keeps the CPU's)."""
    write_atomically(path, merge(path.read_text() if path.exists() else "", title, section))


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say where a run's results page goes (`results_page`)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--record",
        action="store_true",
        help="write the recorded page in benchmarks/results (default: a trial, written under "
        "runs/benchmarks, which never replaces recorded results)",
    )
    where.add_argument("--out", type=Path, help="write the results page to this file instead")


def results_page(args: argparse.Namespace, name: str) -> Path:
    """Where the page of benchmark `name` goes: --out; with --record the recorded page
    benchmarks/results/NAME.md; else a trial's, runs/benchmarks/NAME.md."""
    if args.out is not None:
        return args.out
    return (RESULTS if args.record else TRIALS) / f"{name}.md"


def publish(path: Path | None, text: str, title: str | None = None) -> None:
    """Print a results page, write it to `path` (with `title`: as the section of its device
    kind in that page, keeping the others'), and say where it went; no `path`: print only."""
    print(text)
    if path is None:
        return
    if title is None:
        write_atomically(path, text)
    else:
        write_section(path, title, text)
    trial = path.resolve().is_relative_to(TRIALS)
    note = " (a trial; --record writes the recorded page in benchmarks/results)" if trial else ""
    print(f"written to {path}{note}")


def shown(path: Path) -> Path:
    """`path` relative to the checkout when it lies inside it, as a page names it: the page then
    names no machine's folders.

    >>> shown(ROOT / "docs" / "learning_curve.png"), shown(Path("/tmp/x.png"))
    (PosixPath('docs/learning_curve.png'), PosixPath('/tmp/x.png'))
    """
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def command_line(name: str, argv: list[str] | None = None) -> str:
    """How to run benchmark `name` again with the arguments `argv` (default: this process's).

    >>> command_line("replay", ["--games", "10", "--record"])
    'python -m benchmarks.replay --games 10 --record'
    """
    arguments = sys.argv[1:] if argv is None else argv
    return " ".join(["python", "-m", f"benchmarks.{name}", *map(shlex.quote, arguments)])
