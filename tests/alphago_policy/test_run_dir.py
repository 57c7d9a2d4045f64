"""The run directory's lock: one process trains a run at a time, and a killed one lets go."""

import signal
import subprocess
import sys

import pytest

from alphago_policy.files import OutputError
from alphago_policy.run_dir import RunDir, RunInUse

HOLD = """
import sys, time
from alphago_policy.run_dir import RunDir
with RunDir(sys.argv[1]).claimed():
    print("held", flush=True)
    time.sleep(600)
"""


def holder(run) -> subprocess.Popen:
    """A process that holds the run's lock until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "held\n"
    return process


def test_a_second_claim_is_refused_naming_the_process_and_a_killed_one_lets_go(tmp_path):
    process = holder(tmp_path)
    refused = pytest.raises(RunInUse, match=rf"{tmp_path} is in use: process {process.pid} is")
    with refused, RunDir(tmp_path).claimed():
        pass
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    with RunDir(tmp_path).claimed():  # no leftover lock
        pass


def test_a_run_that_fails_before_its_first_checkpoint_leaves_nothing(tmp_path):
    with pytest.raises(KeyError), RunDir(tmp_path / "new").claimed():
        raise KeyError("bad data")
    assert not (tmp_path / "new").exists()
    with pytest.raises(KeyError), RunDir(tmp_path).claimed():  # not one it created: it stays
        raise KeyError("bad data")
    assert tmp_path.exists()


def test_a_place_where_no_directory_can_be_made_is_named(tmp_path):
    (tmp_path / "file").write_text("")
    refused = pytest.raises(OutputError, match=r"file/run: cannot write the run there \(Not a")
    with refused, RunDir(tmp_path / "file" / "run").claimed():
        pass
