"""Atomic file writing: a path holds either its old content or the whole new file, never half.

Every file the project writes for later (prepared shards, manifests, checkpoints, weights, SGF
records, benchmark results) goes through `atomic_open`, so an interrupted job leaves nothing
half-written behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside `path` (named `NAME.tmp-XXXX`, so that a job killed outright
    can sweep its leftovers) for writing; on success flush it to disk and rename it over `path`
    (readable by all, 0644), on failure remove it.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_open(target, "w") as f:
    ...     _ = f.write("whole")
    >>> target.read_text(), [p.name for p in target.parent.iterdir()]
    ('whole', ['note.txt'])
    """
    path = Path(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.tmp-")
    try:
        with os.fdopen(fd, mode) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


PROBE_BYTES = 1 << 16  # room asked of an output place up front: it takes files at all; a disk
# that fills later is named by `write_failed` when a write fails


class OutputError(OSError):
    """A file cannot be written: the message names it, the cause and what to do."""


def save_figure(figure: Any, path: str | os.PathLike) -> None:
    """Write a matplotlib figure atomically, in the format its suffix names (PNG without one),
    and close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_open(path) as file:
            figure.savefig(file, dpi=120, format=Path(path).suffix.lstrip(".") or "png")
    finally:
        plt.close(figure)


def check_room(directory: str | os.PathLike, needed: int, setting: str = "") -> None:
    """Refuse (OutputError) before a long job an existing `directory` that cannot take a new
    file of `needed` bytes: read-only, not a directory, or too little free space on its disk.
    `setting` (a flag and its value) opens the message when given.

    >>> check_room(tempfile.gettempdir(), 1)
    >>> check_room(tempfile.gettempdir(), 2**62)
    Traceback (most recent call last):
    ...
    alphago_policy.files.OutputError: ... free on its disk, ... needed: free some space ...
    """
    opening = f"{setting}: " if setting else ""
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise OutputError(f"{opening}{directory}: cannot write there ({reason(error)})") from error
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise OutputError(
            f"{opening}{directory}: {megabytes(free)} free on its disk, {megabytes(needed)} "
            f"needed: free some space or write elsewhere"
        )


def write_failed(path: str | os.PathLike, error: BaseException) -> OutputError:
    """The OutputError for a write of `path` that failed with `error`, saying why: the system's
    reason, or the free space where the error has none (torch.save reports a full disk as
    `unexpected pos`)."""
    path = Path(path)
    cause = reason(error)
    if not isinstance(error, OSError) or error.errno is None:
        free = shutil.disk_usage(path.parent).free if path.parent.is_dir() else 0
        cause = f"{cause}; is the disk full? {megabytes(free)} free on it"
    return OutputError(f"{path}: cannot write it ({cause}); its previous version, if any, is kept")


def reason(error: BaseException) -> str:
    """An error's cause in a few words: the system's text for an OSError, else its first line.

    >>> reason(OSError(28, "No space left on device"))
    'No space left on device'
    >>> reason(RuntimeError("[enforce fail] unexpected pos 64 vs 0\\nmore"))
    'RuntimeError: [enforce fail] unexpected pos 64 vs 0'
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}"


def megabytes(count: int) -> str:
    """A byte count in MB, for messages.

    >>> megabytes(1_500_000)
    '1.5 MB'
    """
    return f"{count / 1e6:.1f} MB"
