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
from typing import IO


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


def cannot_write(path: str | os.PathLike, error: OSError) -> OSError:
    """An OSError naming `path` and the cause of `error`: its own words, and the disk's free
    space where it gives no cause (numpy's "810084 requested and 522176 written")."""
    if error.strerror:
        return OSError(f"cannot write {path}: {error.strerror}")
    try:
        free = f"{shutil.disk_usage(Path(path).absolute().parent).free:,} bytes free"
    except OSError:
        free = "free space unknown"
    return OSError(f"cannot write {path}: {error} (is the disk full? {free})")


def check_writable(directory: str | os.PathLike, setting: str) -> None:
    """OSError now, before any work, where files cannot be written into `directory` (missing,
    read-only, full): a small file is written there and removed. `setting` names the flag."""
    directory = Path(directory)
    if not directory.is_dir():
        raise OSError(f"{setting}: there is no directory {directory}")
    try:
        with atomic_open(directory / ".write-test") as probe:
            probe.write(bytes(1 << 16))
        (directory / ".write-test").unlink()
    except OSError as error:
        raise OSError(f"{setting}: {cannot_write(directory, error)}") from None
