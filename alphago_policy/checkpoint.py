"""A training run's checkpoint: everything needed to continue it exactly, in one file.

`RUN_DIR/checkpoint.pt` is a `torch.save` dict written atomically (a crash never leaves half a
file). It holds the run's settings, the step reached, the training time so far, the states of
the network, optimizer, schedule and random generators, and where the data stream stands.
Format 4 adds `ema`, the moving average of the weights (`--ema`); format 3 `origin`, the
trained network a run started from (`--init`); formats 2 (no `origin`) and 1 (no `format` key,
no `data`: what runs wrote before this module) still load.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from alphago_policy.files import atomic_open

FILE = "checkpoint.pt"
FORMAT = 4


class CheckpointError(RuntimeError):
    """A checkpoint is missing or cannot be read; the message says which file and what to do."""


@dataclass
class Checkpoint:
    """The state of a training run after `step` optimizer steps."""

    settings: dict[str, Any]
    step: int
    elapsed_seconds: float
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]
    rng: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)  # the data stream's position, if any
    origin: dict[str, Any] = field(default_factory=dict)  # the --init network: file, k, card
    ema: dict[str, Any] = field(default_factory=dict)  # the weights' moving average, if kept

    def save(self, run_dir: str | os.PathLike) -> Path:
        """Write the checkpoint to `run_dir/checkpoint.pt`, atomically; return the path."""
        path = Path(run_dir) / FILE
        with atomic_open(path) as f:
            torch.save({"format": FORMAT, **asdict(self)}, f)
        return path


def path_of(run_dir: str | os.PathLike) -> Path:
    """Where a run keeps its checkpoint."""
    return Path(run_dir) / FILE


def load(run_dir: str | os.PathLike) -> Checkpoint:
    """The checkpoint of the run in `run_dir` (any format written so far)."""
    path = path_of(run_dir)
    if not path.is_file():
        raise CheckpointError(f"{path}: no checkpoint to resume (give the run's --out)")
    try:
        # Our own files: they hold numpy random states, which weights_only refuses.
        state = torch.load(path, map_location="cpu", weights_only=False)
        state.pop("format", None)
        return Checkpoint(**state)
    except Exception as error:
        raise CheckpointError(
            f"{path}: cannot read the checkpoint ({type(error).__name__}: {error}); it is "
            f"damaged or not a training checkpoint. Restore it (e.g. `git checkout {path}` "
            f"for a committed run), or start a new run with another --out."
        ) from error
