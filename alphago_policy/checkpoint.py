"""A training run's checkpoint: everything needed to continue it exactly, in one file.

`RUN_DIR/checkpoint.pt` is a `torch.save` dict written atomically (a crash never leaves half a
file). It holds the run's settings, the step reached, the training time so far, the states of
the network, optimizer, schedule and random generators, and where the data stream stands.
Format 4 adds `ema`, the moving average of the weights (`--ema`); format 3 `origin`, the
trained network a run started from (`--init`); formats 2 (no `origin`) and 1 (no `format` key,
no `data`: what runs wrote before this module) still load.

A checkpoint is read with `torch.load(weights_only=True)`: besides tensors and plain Python
values it may hold only the numpy arrays of numpy's random state (`ALLOWED`), so a rigged file
cannot run code when a run resumes or ships. The run directory's other files are
alphago_policy.run_dir's.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from alphago_policy.policy import atomic_save

try:
    from numpy._core.multiarray import _reconstruct  # numpy 2
except ImportError:  # pragma: no cover (numpy 1)
    from numpy.core.multiarray import _reconstruct

FILE = "checkpoint.pt"
FORMAT = 4
# What a checkpoint may hold besides tensors and plain values: numpy's random state, an array of
# uint32 (pickled as numpy._core.multiarray by numpy 2, numpy.core.multiarray by numpy 1).
ALLOWED = [
    np.ndarray,
    np.dtype,
    type(np.dtype(np.uint32)),
    (_reconstruct, "numpy._core.multiarray._reconstruct"),
    (_reconstruct, "numpy.core.multiarray._reconstruct"),
]


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
        path = path_of(run_dir)
        atomic_save({"format": FORMAT, **asdict(self)}, path)
        return path


def path_of(run_dir: str | os.PathLike) -> Path:
    """Where a run keeps its checkpoint."""
    return Path(run_dir) / FILE


def load(run_dir: str | os.PathLike) -> Checkpoint:
    """The checkpoint of the run in `run_dir` (any format written so far); CheckpointError for
    a missing file, or one that is damaged or holds anything but a checkpoint."""
    path = path_of(run_dir)
    if not path.is_file():
        raise CheckpointError(f"{path}: no checkpoint to resume (give the run's --out)")
    try:
        with torch.serialization.safe_globals(ALLOWED):
            state = torch.load(path, map_location="cpu", weights_only=True)
        state.pop("format", None)
        return Checkpoint(**state)
    except pickle.UnpicklingError as error:
        cause = "it holds objects that no checkpoint holds (not loaded: they could run code)"
        raise refused(path, cause) from error
    except Exception as error:
        raise refused(path, f"{type(error).__name__}: {error}") from error


def refused(path: Path, cause: str) -> CheckpointError:
    """The error for a checkpoint file that cannot be read, with what to do."""
    return CheckpointError(
        f"{path}: cannot read the checkpoint ({cause}); it is damaged or not a training "
        f"checkpoint. Restore it (e.g. `git checkout {path}` for a committed run), or start a "
        f"new run with another --out."
    )
