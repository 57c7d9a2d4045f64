"""Pachi, the second yardstick: found where `python -m benchmarks.pachi build` put it, or a
clear message; one short game against it where it is built."""

import pytest

from benchmarks import match as match_module
from benchmarks import pachi

NOT_BUILT = "Pachi not built here (python -m benchmarks.pachi build; GPL-2, kept out of git)"


def test_without_a_build_the_commands_say_how_to_build(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ALPHAGO_POLICY_CACHE", str(tmp_path))
    assert pachi.built() is None and pachi.cache_dir() == tmp_path / "pachi"
    with pytest.raises(FileNotFoundError, match=r"benchmarks\.pachi build"):
        pachi.command(1000)
    assert pachi.main(["path"]) == 2
    assert "python -m benchmarks.pachi build" in capsys.readouterr().err
    assert match_module.main(["--opponent", "pachi:1000"]) == 2
    assert "benchmarks.pachi build" in capsys.readouterr().err


@pytest.mark.skipif(pachi.built() is None, reason=NOT_BUILT)
def test_a_short_game_against_pachi(tmp_path):
    argv = ["--opponent", "pachi:100", "--games", "1", "--move-cap", "10"]
    argv += ["--referee", "opponent", "--strength", "6", "--out-dir", str(tmp_path)]
    assert match_module.main(argv) == 0
    summary = (tmp_path / "summary.md").read_text()
    assert "Pachi" in summary and "strength 6" in summary
    assert "=100 threads=1,pondering=0" in summary
