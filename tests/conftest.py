"""Shared fixtures: real game records in tests/fixtures, GNU Go as the rules oracle, the
shipped network and a tiny random one."""

import errno
import os
import tempfile
from pathlib import Path

import pytest
import torch

from alphago_policy.policy import DEFAULT_WEIGHTS, Policy, build, load_policy, save_weights
from benchmarks.gnugo import GnuGo, find_gnugo

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def require_gnugo() -> None:
    """Skip the test where GNU Go is missing, except in CI (CI=true), where .ci/run installs
    it and a missing binary is a failure."""
    if find_gnugo() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU Go is missing in CI: .ci/run should have installed it")
        pytest.skip("GNU Go not installed (apt-get install gnugo)")


@pytest.fixture(scope="session")
def gnugo():
    """A GNU Go process (level 10) shared by the session's oracle tests."""
    require_gnugo()
    with GnuGo() as engine:
        yield engine


@pytest.fixture
def weak_gnugo():
    """A fresh GNU Go at level 0 with Chinese rules: a quick opponent for whole games."""
    require_gnugo()
    with GnuGo(level=0, extra_args=("--chinese-rules",)) as engine:
        yield engine


@pytest.fixture(scope="session")
def shipped_policy() -> Policy:
    """The shipped network (alphago_policy/weights/policy.pt), loaded once: tests only read it."""
    assert DEFAULT_WEIGHTS.is_file(), f"{DEFAULT_WEIGHTS} is not in the checkout"
    return load_policy()


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A weights file of a small random network (k=8, seeded, card: untrained): a fast stand-in
    for the shipped one whose output still depends on the position. Tests only read it."""
    with torch.random.fork_rng():  # the tests' own random state is left as it was
        torch.manual_seed(0)
        network = build(k=8)
    path = tmp_path_factory.mktemp("weights") / "k8.pt"
    save_weights(network, path, {"trained": False})
    return path


@pytest.fixture
def read_only_disk(monkeypatch):
    """Every new file, temporary or written atomically, fails as on a read-only file system."""

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread while a module runs: small networks and single positions are fastest
    so, and a second thread only fights other jobs for the test machine's cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
