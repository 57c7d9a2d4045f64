"""``python -m cnn``: list, summary, receptive-field (filters: tests/cnn/test_filters.py)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnn
from cnn.__main__ import main, parse_options

ROOT = Path(__file__).resolve().parents[2]


def test_list(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == cnn.available()
    alexnet = next(line for line in lines if line.startswith("alexnet "))
    assert alexnet.split()[1:3] == ["227x227x3", "62,378,344"]


def test_summary_alexnet_is_the_lecture_table(capsys):
    assert main(["summary", "alexnet"]) == 0
    assert capsys.readouterr().out == cnn.summary("alexnet").table() + "\n"


def test_summary_with_options_and_input(capsys):
    main(["summary", "alphago_policy", "--k", "128", "--layers", "4", "--board-size", "9"])
    out = capsys.readouterr().out
    assert "input 9x9x48" in out
    assert [line.split()[0] for line in out.splitlines()[2:-1]] == [
        "conv1",
        "conv2",
        "conv3",
        "conv4",
        "bias",
    ]
    assert "9x9x128" in out


def test_summary_of_the_fully_convolutional_vgg16_on_384(capsys):
    main(["summary", "vgg16", "--fully-convolutional", "--input", "3x384x384"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "vgg16 (fully convolutional): input 384x384x3"
    assert lines[-2].split()[:3] == ["fc16", "Conv2d", "6x6x1000"]
    assert lines[-1].split()[1] == "138,357,544"  # the same weights


def test_nothing_to_make_fully_convolutional():
    with pytest.raises(SystemExit, match="alphago_policy has no fully connected layer"):
        main(["summary", "alphago_policy", "--fully-convolutional"])


def test_boolean_options():
    assert parse_options("vgg16", ["--batch-norm"]) == {"batch_norm": True}
    assert parse_options("googlenet", ["--no-aux-logits"]) == {"aux_logits": False}
    assert parse_options("alexnet", ["--dropout", "0.2"]) == {"dropout": 0.2}


@pytest.mark.parametrize(
    ("words", "message"),
    [(["--depth", "3"], "no option --depth"), (["--k"], "needs a value"), (["k"], "unexpected")],
)
def test_bad_options_say_why(words, message):
    with pytest.raises(SystemExit, match=message):
        parse_options("alphago_policy", words)


def test_bad_input_size(capsys):
    with pytest.raises(SystemExit):
        main(["summary", "alexnet", "--input", "227x227"])
    assert "3x224x224" in capsys.readouterr().err


def test_input_the_network_cannot_take():
    with pytest.raises(SystemExit, match="alphago_policy cannot take a 9x9x48 input"):
        main(["summary", "alphago_policy", "--input", "48x9x9"])


def test_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "cnn", "summary", "lenet5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[2].split()[:3] == ["conv1", "Conv2d", "28x28x6"]


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["alphago_policy", "--k", "0"], "k must be a whole number of at least 1, not 0"),
        (["alphago_policy", "--k", "-5"], "k must be a whole number of at least 1, not -5"),
        (["lenet5", "--num-classes", "0"], "num_classes must be a whole number of at least 1"),
        (["alphago_policy", "--k", "wide"], "--k expects a whole number, not 'wide'"),
        (["alexnt"], "unknown architecture 'alexnt'. Did you mean alexnet"),
    ],
)
def test_a_setting_that_builds_nothing_is_one_line(words, message):
    with pytest.raises(SystemExit, match=re.escape(message)):
        main(["summary", *words])


def test_columns_never_run_together(capsys):
    """On a huge input the mult-adds grow to 23 digits: each column widens, so every row still
    splits into its fields."""
    main(["summary", "googlenet", "--input", "3x1000000x1000000"])
    lines = capsys.readouterr().out.splitlines()
    total = lines[-1].split()
    assert total == ["total", "6,998,552", "31,522,000,001,024,000"]
    assert all(len(line.split()) == 5 for line in lines[2:-1])
