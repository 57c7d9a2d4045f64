"""Results pages: a trial run never replaces a recorded page; `--record` writes it."""

import argparse
import importlib

import pytest

from benchmarks import common, load_collection

GAMES_DIR = common.ROOT / "tests" / "fixtures" / "games"
# The benchmarks that write their pages through `common` (vs_gnugo and genmove: not yet).
BENCHMARKS = ("features", "inference", "load_collection", "loader", "replay", "train_throughput")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    common.add_output_arguments(parser)
    return parser.parse_args(argv)


def test_a_page_is_recorded_only_when_asked(tmp_path):
    assert common.results_page(parse(), "replay") == common.TRIALS / "replay.md"
    assert common.results_page(parse("--record"), "replay") == common.RESULTS / "replay.md"
    assert common.results_page(parse("--out", str(tmp_path / "x.md")), "replay") == (
        tmp_path / "x.md"
    )
    with pytest.raises(SystemExit):
        parse("--record", "--out", "x.md")


def test_a_trial_run_prints_its_page_and_leaves_the_recorded_one(tmp_path, monkeypatch, capsys):
    recorded = common.RESULTS / "load_collection.md"
    before = recorded.read_bytes()
    monkeypatch.setattr(common, "TRIALS", tmp_path)
    load_collection.main([str(GAMES_DIR), "--no-peer"])
    assert recorded.read_bytes() == before
    page = (tmp_path / "load_collection.md").read_text()
    assert "| tom-354460.sgf | 1 | 1 | 321 | 0 |" in page
    out = capsys.readouterr().out
    assert page in out and f"written to {tmp_path / 'load_collection.md'} (a trial" in out
    assert "python -m benchmarks.load_collection" in page


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_offers_record_and_documents_python_m(name, capsys):
    module = importlib.import_module(f"benchmarks.{name}")
    assert f"python -m benchmarks.{name}" in module.__doc__
    assert "PYTHONPATH" not in module.__doc__
    entry = getattr(module, "main", None) or module.parse_args
    with pytest.raises(SystemExit):
        entry(["--help"])
    assert "--record" in capsys.readouterr().out
