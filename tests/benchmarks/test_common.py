"""Results pages: one layout for every benchmark (`common.page`), a trial run never replaces a
recorded page, `--record` writes it, and no page or default names one machine's folders."""

import argparse
import importlib
import inspect
import re
import shutil
import subprocess

import pytest

from benchmarks import common, features, load_collection, loader, replay

GAMES_DIR = common.ROOT / "tests" / "fixtures" / "games"
# The benchmarks with --record and --out from `common.add_output_arguments`.
BENCHMARKS = ("features", "inference", "load_collection", "loader", "replay", "train_throughput")
# Every benchmark that writes a results page (vs_gnugo's is match's page).
PAGES = (
    *BENCHMARKS, "bf16_validation", "cpu_training", "genmove", "learning_curve", "match",
    "ownership", "stream",
)  # fmt: skip
MACHINE_FOLDER = re.compile(r"(?<![\w.~])/(work|farm|home|root|Users|mnt)/")


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


def test_a_page_has_its_intro_first_and_leaves_out_what_it_lacks():
    text = common.page(
        "# Speed", ["data: 3 games"], ["- a", "- b"], host=None, command=None, intro="**Note.**"
    )
    lines = text.splitlines()
    assert lines[:4] == ["# Speed", "", "**Note.**", ""]
    assert lines[4].startswith("- date: ") and lines[5:] == ["- data: 3 games", "", "- a", "- b"]
    assert text.endswith("- b\n") and "machine" not in text and "Reproduce" not in text


def test_a_section_of_a_page_reads_like_a_page(tmp_path):
    """A device kind's section (inference, train_throughput) goes through `page` too, and
    `publish` puts it into the page beside the other kinds' sections."""
    path = tmp_path / "speed.md"
    for kind in ("cpu", "cuda"):
        section = common.page(f"## {kind}", [], "1 s", host=kind, command="python -m x")
        common.publish(path, section, "# Speed")
    text = path.read_text()
    assert text.startswith("# Speed\n\n## cpu\n\n- date: ")
    assert "- machine: cpu\n\n1 s\n\nReproduce: `python -m x`\n\n## cuda\n" in text


def test_publish_without_a_path_only_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    common.publish(None, "# Page\n")
    assert capsys.readouterr().out == "# Page\n\n" and not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_laid_out_by_common(name):
    """No benchmark writes its own date line: the date and machine come from `common.page`."""
    module = importlib.import_module(f"benchmarks.{name}")
    assert module.page is common.page and "- date:" not in inspect.getsource(module)


@pytest.mark.parametrize("module", [features, replay])
def test_a_missing_archive_is_named(module, tmp_path, capsys):
    assert not module.DEFAULT_ARCHIVE.is_absolute()
    with pytest.raises(SystemExit) as exit:
        module.parse_args(["--archive", str(tmp_path / "none.tar.gz")])
    assert exit.value.code == 2 and "none.tar.gz: no such file" in capsys.readouterr().err


def test_data_defaults_are_relative_to_the_checkout():
    assert not load_collection.DEFAULT_ROOT.is_absolute()
    assert not loader.parse_args([]).data.is_absolute()


@pytest.mark.skipif(
    shutil.which("git") is None or not (common.ROOT / ".git").exists(), reason="not a git checkout"
)
def test_no_benchmark_file_names_a_machine_folder():
    """Usage lines, defaults, recorded pages and logs name paths relative to the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "benchmarks"], cwd=common.ROOT, capture_output=True, text=True
    ).stdout.split()
    named = [
        path
        for path in listed
        if path.endswith((".py", ".md", ".jsonl"))
        and MACHINE_FOLDER.search((common.ROOT / path).read_text(errors="replace"))
    ]
    assert listed and named == []
