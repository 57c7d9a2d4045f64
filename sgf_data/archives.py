"""Stream the SGF files out of directories, plain files and archives, one file's bytes at a time.

Archives are never extracted to disk: a tar archive is read in stream mode (``'r|*'``, any
compression tarfile knows) and a zip archive member by member, so memory stays flat however
large the collection. A member or archive that cannot be read comes out as an `SgfFile` with
``data=None`` and the reason, and reading goes on with what follows.
"""

from __future__ import annotations

import os
import stat
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
            raise FileNotFoundError(
                f"{path}: no such file or directory; give game records: directories, .sgf files "
                "or archives of them"
            )
        if path.is_file() and container_kind(path.name) is None:
            raise ValueError(
                f"{path}: not a game record; expected a directory, .sgf, .zip, "
                f"or a tar archive ({', '.join(TAR_SUFFIXES)})"
            )
        checked.append(path)
    return checked


def sgf_files(paths: Iterable[Path]) -> Iterator[SgfFile]:
    """Every SGF file under the paths, in order: directories recursively, sorted by name.

    Each directory is read once however many links lead to it, so a symlink loop (``ln -s .
    self``) or a directory given twice costs nothing. A directory that cannot be listed comes
    out as an `SgfFile` with ``data=None`` and the reason, like an unreadable file.
    """
    visited: set[tuple[int, int]] = set()
    for path in paths:
        yield from _walk(path, visited)


def _walk(path: Path, visited: set[tuple[int, int]]) -> Iterator[SgfFile]:
    """The SGF files of one path; `visited` holds the (device, inode) of the directories read."""
    if not _is_directory(path):
        problem = _not_a_file(path)
        if problem is None:
            yield from _READERS[container_kind(path.name)](path)
        else:
            yield SgfFile(str(path), None, problem)
        return
    try:
        status = path.stat()
        if (status.st_dev, status.st_ino) in visited:
            return
        visited.add((status.st_dev, status.st_ino))
        entries = _directory_entries(path)
    except OSError as error:
        yield SgfFile(str(path), None, f"cannot read the directory: {error.strerror or error}")
        return
    for entry in entries:
        yield from _walk(entry, visited)


def _not_a_file(path: Path) -> str | None:
    """Why `path` (found as a game file, or as a directory that is gone now) cannot be read:
    only regular files are (a pipe would block, a device never end); None where it can."""
    try:
        status = path.stat()
    except OSError as error:
        return f"cannot read it: {error.strerror or error} (gone while it was read?)"
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file (a pipe, socket or device): give files and directories"
    if container_kind(path.name) is None:
        return "no longer a directory (changed while it was read)"
    return None


def _is_directory(path: Path) -> bool:
    """Whether `path` is a directory (or a link to one); False where it cannot be looked at."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _directory_entries(directory: Path) -> list[Path]:
    """The sub-directories and game files of a directory, sorted so runs are repeatable."""
    with os.scandir(directory) as scan:
        return sorted(Path(entry.path) for entry in scan if _wanted(entry))


def _wanted(entry: os.DirEntry) -> bool:
    """A directory, or a game file by its name that is a file or a link (one to nothing is
    kept, so that reading it names the fault; a pipe or a device is not)."""
    if _is_directory(Path(entry.path)):
        return True
    if container_kind(entry.name) is None:
        return False
    try:
        return entry.is_symlink() or entry.is_file()
    except OSError:
        return True


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
