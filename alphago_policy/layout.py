"""The layout of a prepared data directory: which split a game goes to, where each shard's
arrays and completion record live, and the manifest saying what the directory holds.
`prepare` writes it; `dataset`, `evaluate` and the benchmarks read it through this module.

    manifest.json                 what the directory holds (`Manifest`), written last
    prepare.json                  the settings that decide the output (`Identity`)
    shards/<shard>.json           a shard's completion record (`ShardRecord`)
    <split>/<shard>.codes.npy     uint16 (N, 361)  the 48 planes, coded per point (encoding.py)
    <split>/<shard>.labels.npy    int16 (N,)       the move played, flat index row * 19 + col
    <split>/<shard>.games.npy     int32 (N,)       the game's index in manifest["game_ids"]
    <split>/<shard>.plies.npy     int16 (N,)       the move's number in its game, from 0
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import numpy as np

from alphago_policy import encoding
from alphago_policy.files import atomic_open

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = (0.90, 0.05, 0.05)
FORMAT = "alphago_policy positions"
MANIFEST = "manifest.json"
SETTINGS_FILE = "prepare.json"
SHARDS_DIR = "shards"
ARRAY_DTYPES = {"codes": np.uint16, "labels": np.int16, "games": np.int32, "plies": np.int16}
ARRAYS = tuple(ARRAY_DTYPES)
BYTES_PER_POSITION = sum(
    np.dtype(dtype).itemsize * (encoding.NUM_POINTS if array == "codes" else 1)
    for array, dtype in ARRAY_DTYPES.items()
)


def split_of(game_id: str, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> str:
    """The split of a game: the first 8 bytes of sha1(game_id) as a fraction of 2**64.

    Stable across runs, machines and collections, and a game never straddles two splits.

    >>> split_of("tygem-407331168")
    'train'
    >>> [split_of("tom-354460", (0.0, 0.0, 1.0)), split_of("tom-354460", (0.0, 1.0, 0.0))]
    ['test', 'validation']
    """
    digest = hashlib.sha1(game_id.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    bounds = np.cumsum(fractions)
    for split, bound in zip(SPLITS, bounds, strict=True):
        if fraction < bound:
            return split
    return SPLITS[-1]


def shard_name(number: int) -> str:
    """The name of shard `number`, sorting in shard order.

    >>> shard_name(42)
    '000042'
    """
    return f"{number:06d}"


def shard_path(data_dir: Path, split: str, shard: str, array: str) -> Path:
    """Where one array of one shard lives."""
    return Path(data_dir) / split / f"{shard}.{array}.npy"


def array_paths(data_dir: Path) -> list[Path]:
    """Every array file of every shard on disk, including a split's empty ones."""
    return sorted(p for split in SPLITS for p in (Path(data_dir) / split).glob("*.npy"))


def record_path(data_dir: Path, shard: str) -> Path:
    """Where a shard's completion record lives (it exists once all its arrays are written)."""
    return Path(data_dir) / SHARDS_DIR / f"{shard}.json"


def record_paths(data_dir: Path) -> list[Path]:
    """The completion records of the shards finished so far, in shard order."""
    return sorted((Path(data_dir) / SHARDS_DIR).glob("*.json"))


class Identity(TypedDict):
    """The settings that decide a directory's content; a resumed run must have the same."""

    format: str
    encoding_version: int
    sources: list[str]
    shard_games: int
    fractions: list[float]


class SkipRecord(TypedDict):
    """A game left out, in the fields of sgf_data.reader.Skip."""

    source: str
    game: int | None
    move_number: int | None
    reason: str
    detail: str


class FileEntry(TypedDict):
    bytes: int
    sha1: str


class ShardRecord(TypedDict):
    """What one shard holds: its games (by id), their positions and games per split, and the
    size and checksum of each array file (by its path in the directory), to verify on resume."""

    shard: str
    first_game: int
    game_ids: list[str]
    positions: dict[str, int]
    games: dict[str, int]
    skipped: list[SkipRecord]
    seconds: float
    files: NotRequired[dict[str, FileEntry]]  # absent in records of earlier versions


class PreparedDataError(ValueError):
    """A prepared directory that is damaged: a file missing, cut short or not what the manifest
    says. The message names the file and says to prepare the data again."""


class ShardEntry(TypedDict):
    name: str
    positions: int


class SplitEntry(TypedDict):
    positions: int
    games: int
    shards: list[ShardEntry]  # only the shards with positions in this split


class RunInfo(TypedDict):
    finished: str  # UTC, ISO 8601
    seconds: float
    positions_computed: int  # fewer than `positions` when the run resumed an interrupted one
    workers: int


class Manifest(Identity):
    """What a prepared directory holds: counts and shards per split, game ids (indexed by the
    games arrays), every game left out with the reason, and the last run of `prepare`."""

    splits: dict[str, SplitEntry]
    games_read: int
    positions: int
    bytes_per_position: int
    game_ids: list[str]
    skipped: list[SkipRecord]
    run: RunInfo


def identity(
    sources: Sequence[str], shard_games: int, fractions: tuple[float, float, float]
) -> Identity:
    """The identity of a directory prepared from `sources` (resolved, so the same sources give
    the same identity from any working directory)."""
    return {
        "format": FORMAT,
        "encoding_version": encoding.ENCODING_VERSION,
        "sources": [str(Path(p).resolve()) for p in sources],
        "shard_games": shard_games,
        "fractions": list(fractions),
    }


def build_manifest(
    identity: Identity,
    records: list[ShardRecord],
    *,
    games_read: int,
    skipped: list[SkipRecord],
    run: RunInfo,
) -> Manifest:
    """The manifest of a directory made of `records` (in shard order); `skipped` are the games
    left out before reaching a shard (unreadable, duplicates), the shards add their own."""
    splits: dict[str, SplitEntry] = {}
    for split in SPLITS:
        shards: list[ShardEntry] = [
            {"name": r["shard"], "positions": r["positions"][split]}
            for r in records
            if r["positions"][split]
        ]
        splits[split] = {
            "positions": sum(s["positions"] for s in shards),
            "games": sum(r["games"][split] for r in records),
            "shards": shards,
        }
    return {
        **identity,
        "splits": splits,
        "games_read": games_read,
        "positions": sum(s["positions"] for s in splits.values()),
        "bytes_per_position": BYTES_PER_POSITION,
        "game_ids": [game_id for r in records for game_id in r["game_ids"]],
        "skipped": [*skipped, *(skip for r in records for skip in r["skipped"])],
        "run": run,
    }


def file_entry(path: Path) -> FileEntry:
    """The size and sha1 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha1()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha1": digest.hexdigest()}


def shard_files(data_dir: Path, shard: str) -> dict[str, Path]:
    """Every array file of a shard, by its path in the directory ("train/000003.codes.npy")."""
    paths = (shard_path(data_dir, split, shard, array) for split in SPLITS for array in ARRAYS)
    return {path.relative_to(data_dir).as_posix(): path for path in paths}


def shard_damage(data_dir: Path, record: ShardRecord) -> str | None:
    """What is wrong with a finished shard's files (missing, another size or checksum than its
    record says), or None when they are as written."""
    recorded = record.get("files")
    if recorded is None:
        return "its record has no checksums (written by an earlier version)"
    for name, path in shard_files(Path(data_dir), record["shard"]).items():
        if name not in recorded:
            return f"{name} is not in its record"
        if not path.is_file():
            return f"{name} is missing"
        size = path.stat().st_size
        if size != recorded[name]["bytes"]:
            return f"{name} has {size:,} bytes, {recorded[name]['bytes']:,} when written"
        if file_entry(path)["sha1"] != recorded[name]["sha1"]:
            return f"{name} does not have the checksum it had when written"
    return None


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (a reader sees the old file or the whole new one)."""
    with atomic_open(path, "w") as f:
        json.dump(data, f, indent=1)


def write_manifest(data_dir: Path, manifest: Manifest) -> None:
    """Write the manifest: the last file of a prepared directory, which marks it complete."""
    write_json(Path(data_dir) / MANIFEST, manifest)


def remove(data_dir: Path, directory: bool = False) -> None:
    """Remove the files of a prepared directory (finished or not), the folders they leave
    empty, and `directory` itself when asked and empty."""
    data_dir = Path(data_dir)
    for path in [*array_paths(data_dir), *record_paths(data_dir)]:
        path.unlink()
    for name in (MANIFEST, SETTINGS_FILE):
        (data_dir / name).unlink(missing_ok=True)
    folders = [data_dir / name for name in (*SPLITS, SHARDS_DIR)]
    for folder in [*folders, data_dir] if directory else folders:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def is_prepared(path: str | Path) -> bool:
    """Whether `path` is a prepared data directory (rather than game records)."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(data_dir: str | Path) -> Manifest:
    """The manifest of a prepared directory, refused (saying what to do) when it is missing,
    damaged or was written for another encoding."""
    path = Path(data_dir) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run (or finish, by running it again) "
            f"`python -m alphago_policy prepare ... --out {data_dir}`"
        )
    try:
        manifest = json.loads(path.read_text())
        for split in SPLITS:
            for shard in manifest["splits"][split]["shards"]:
                int(shard["positions"]), str(shard["name"])
        list(manifest["game_ids"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise PreparedDataError(
            f"{path} is damaged ({type(error).__name__}: {error}): prepare the data again"
        ) from None
    version = manifest.get("encoding_version")
    if version != encoding.ENCODING_VERSION:
        raise ValueError(
            f"{path}: encoding version {version}, this code reads version "
            f"{encoding.ENCODING_VERSION}: prepare the data again"
        )
    return manifest
