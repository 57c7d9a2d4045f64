"""A training run's log, `RUN_DIR/log.jsonl`: one JSON object a line (start, train,
validation, checkpoint, end, diverged events), stamped with the time and flushed at once, so
that a killed run loses nothing it logged."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

from alphago_policy.files import atomic_open

LOG = "log.jsonl"


class JsonLog:
    """Appends one JSON object per line, stamped with the time, flushed at once."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115  (closed by close())

    def write(self, **record: Any) -> None:
        record = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            **record,
        }
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a run's log.jsonl."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cut_log(path: Path, step: int) -> None:
    """Drop what a killed run logged after its checkpoint at `step` (a resumed run logs those
    steps again), atomically. The `end` record of a run that stopped there, written just after
    its last checkpoint with that checkpoint's validation figures, is history and stays."""
    if not path.exists():
        return
    records = read_log(path)
    ends = [i for i, r in enumerate(records) if r["event"] == "checkpoint" and r["step"] == step]
    if not ends:
        return
    after = records[ends[-1] + 1 :]
    kept = [r for r in after if r["event"] == "end" and r["step"] == step]
    if len(kept) == len(after):
        return
    with atomic_open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records[: ends[-1] + 1] + kept)
