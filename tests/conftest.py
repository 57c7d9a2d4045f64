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


@pytest.fixture(scope="session")
def gnugo():
    """A GNU Go process shared by the session's oracle tests.

    Skipped where GNU Go is missing, except in CI (CI=true), where .ci/run installs it and a
    missing binary is a failure.
    """
    if find_gnugo() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU Go is missing in CI: .ci/run should have installed it")
        pytest.skip("GNU Go not installed (apt-get install gnugo)")
    with GnuGo() as engine:
        yield engine


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread while a module runs: small networks and single positions are fastest
    so, and a second thread only fights other jobs for the test machine's cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
