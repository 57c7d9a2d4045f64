"""Shared fixtures: real game records in tests/fixtures and GNU Go as the rules oracle."""

import os
from pathlib import Path

import pytest
import torch

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


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread while a module runs: small networks and single positions are fastest
    so, and a second thread only fights other jobs for the test machine's cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
