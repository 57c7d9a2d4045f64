"""Stream the SGF files out of directories, plain files and archives, one file's bytes at a time.

Archives are never extracted to disk: a tar archive is read in stream mode (``'r|*'``, any
compression tarfile knows) and a zip archive member by member, so memory stays flat however
large the collection. A member or archive that cannot be read comes out as an `SgfFile` with
``data=None`` and the reason, and reading goes on with what follows.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SGF_SUFFIXES = (".sgf",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
ZIP_SUFFIXES = (".zip",)

# What a damaged archive or member raises while it is read.
_READ_ERRORS = (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zlib.error, RuntimeError)


@dataclass(frozen=True)
class SgfFile:
    """The bytes of one SGF file, or why they could not be read (``data`` is then None)."""

    source: str
    data: bytes | None
    error: str = ""


def container_kind(name: str) -> str | None:
    """``'sgf'``, ``'tar'`` or ``'zip'`` from a file name's suffix (any case); None otherwise.

    >>> container_kind("games/x.SGF"), container_kind("kgs-2019.tar.bz2"), container_kind("a.tgz")
    ('sgf', 'tar', 'tar')
    >>> container_kind("b.zip"), container_kind("notes.txt")
    ('zip', None)
    """
    lower = name.lower()
    for kind, suffixes in (("sgf", SGF_SUFFIXES), ("tar", TAR_SUFFIXES), ("zip", ZIP_SUFFIXES)):
        if lower.endswith(suffixes):
            return kind
    return None


def is_sgf_member(name: str) -> bool:
    """Whether an archive member is an SGF file worth reading (not macOS resource-fork litter).

    >>> is_sgf_member("2019/04/game.sgf"), is_sgf_member("__MACOSX/2019/._game.sgf")
    (True, False)
    >>> is_sgf_member("2019/._game.sgf"), is_sgf_member("README.txt")
    (False, False)
    """
    parts = name.replace("\\", "/").split("/")
    if "__MACOSX" in parts or parts[-1].startswith("._"):
        return False
    return container_kind(name) == "sgf"


def check_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The paths as `Path`s; FileNotFoundError or ValueError at once for one that cannot be read."""
    checked = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_file() and container_kind(path.name) is None:
            raise ValueError(
                f"{path}: not a game record; expected a directory, .sgf, .zip, "
                f"or a tar archive ({', '.join(TAR_SUFFIXES)})"
            )
        checked.append(path)
    return checked


def sgf_files(paths: Iterable[Path]) -> Iterator[SgfFile]:
    """Every SGF file under the paths, in order: directories recursively, sorted by name."""
    for path in paths:
        if path.is_dir():
            yield from sgf_files(_directory_entries(path))
        else:
            yield from _READERS[container_kind(path.name)](path)


def _directory_entries(directory: Path) -> list[Path]:
    """The sub-directories and readable files of a directory, sorted so runs are repeatable."""
    return sorted(
        entry
        for entry in directory.iterdir()
        if entry.is_dir() or (entry.is_file() and container_kind(entry.name) is not None)
    )


def _read_plain(path: Path) -> Iterator[SgfFile]:
    try:
        data = path.read_bytes()
    except OSError as error:
        yield SgfFile(str(path), None, f"cannot read the file: {error}")
        return
    yield SgfFile(str(path), data)


def _read_tar(path: Path) -> Iterator[SgfFile]:
    """Members of a tar archive in stream mode: one pass, nothing extracted, flat memory."""
    read, member = 0, None
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                if member.isfile() and is_sgf_member(member.name):
                    data = archive.extractfile(member).read()
                    read += 1
                    yield SgfFile(f"{path}:{member.name}", data)
    except _READ_ERRORS as error:
        where = f"after {read} SGF files" + (f", at {member.name}" if member else "")
        yield SgfFile(str(path), None, f"damaged tar archive, the rest unread {where}: {error!r}")


def _read_zip(path: Path) -> Iterator[SgfFile]:
    """Members of a zip archive one at a time; a damaged member skips that member only."""
    try:
        archive = zipfile.ZipFile(path)
    except _READ_ERRORS as error:
        yield SgfFile(str(path), None, f"damaged zip archive: {error!r}")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not is_sgf_member(info.filename):
                continue
            source = f"{path}:{info.filename}"
            try:
                data = archive.read(info)
            except _READ_ERRORS as error:
                yield SgfFile(source, None, f"damaged zip member: {error!r}")
                continue
            yield SgfFile(source, data)


_READERS = {"sgf": _read_plain, "tar": _read_tar, "zip": _read_zip}
