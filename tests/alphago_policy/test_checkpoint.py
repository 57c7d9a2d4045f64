"""Checkpoints are read without running code: tensors, plain values and numpy's random state."""

import os

import pytest
import torch

from alphago_policy import checkpoint as ckpt
from alphago_policy.runtime import rng_state


def fields(**more) -> dict:
    """What every checkpoint format holds, with a real random state (numpy arrays inside)."""
    net = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    return {
        "settings": {"k": 8},
        "step": 3,
        "elapsed_seconds": 1.5,
        "model": net.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": {"last_epoch": 3},
        "rng": rng_state(),
        **more,
    }


class Rigged:
    """What an attacker pickles: loading it runs a command that leaves a file behind."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize(
    "written",
    [
        fields(),  # format 1: no format, no data
        {"format": 2, **fields(data={"kind": "prepared"})},
        {"format": 3, **fields(data={}, origin={"k": 4})},
        {"format": 4, **fields(data={}, origin={}, ema={"n_averaged": torch.tensor(3)})},
    ],
)
def test_every_format_loads(written, tmp_path):
    torch.save(written, ckpt.path_of(tmp_path))
    state = ckpt.load(tmp_path)
    assert state.step == 3 and state.rng["numpy"][1].dtype.name == "uint32"


def test_what_it_writes_it_reads_back(tmp_path):
    ckpt.Checkpoint(**fields(ema={"n_averaged": torch.tensor(3)})).save(tmp_path)
    assert ckpt.load(tmp_path).ema["n_averaged"] == 3


def test_a_rigged_checkpoint_runs_no_code_and_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({**fields(), "settings": Rigged(marker)}, ckpt.path_of(tmp_path))
    with pytest.raises(ckpt.CheckpointError, match=r"checkpoint.pt: cannot read .* could run code"):
        ckpt.load(tmp_path)
    assert not marker.exists()


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    torch.save({"format": "alphago_policy.weights/2", "state_dict": {}}, ckpt.path_of(tmp_path))
    with pytest.raises(ckpt.CheckpointError, match="not a training checkpoint"):
        ckpt.load(tmp_path)
    ckpt.path_of(tmp_path).write_bytes(b"not a zip file at all")
    with pytest.raises(ckpt.CheckpointError, match="damaged or not a training checkpoint"):
        ckpt.load(tmp_path)
