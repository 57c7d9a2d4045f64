"""The commands as a new user meets them, with bad input: each case runs the real command in a
subprocess and asserts a non-zero exit, one error line on stderr naming the file or the setting
(and saying what to do), no traceback, no results printed and nothing half-written left behind.

A case is a command line and the words its error must hold; `run_cli` and
`assert_one_clear_error` serve any command (add its cases to a table below). The cases of a
table run at once, one per core (most of each is the start of Python and torch).
"""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GAME = FIXTURES / "games" / "tom-354460.sgf"
BROKEN = FIXTURES / "broken"  # three real records, each with an illegal move


def run_cli(
    *args: str | os.PathLike, path: tuple[Path, ...] = (), timeout: float = 120
) -> subprocess.CompletedProcess:
    """`python -m alphago_policy ARGS` from this checkout, as a user runs it (with the folders
    `path` first on the module path)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, [*path, ROOT]))}
    command = [sys.executable, "-m", "alphago_policy", *map(str, args)]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def run_all(commands: dict[str, list]) -> dict[str, subprocess.CompletedProcess]:
    """`run_cli` for each named command line, as many at once as there are cores."""
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        results = {name: pool.submit(run_cli, *args) for name, args in commands.items()}
        return {name: result.result() for name, result in results.items()}


def assert_one_clear_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """A failed command that said why in one error line holding `words` (any case), without a
    traceback or any result on stdout; returns that line."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word.lower() in errors[0].lower(), (word, errors[0])
    assert result.stdout == "", result.stdout
    return errors[0]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """What users pass by mistake: missing paths, empty and odd files, a file that is not
    weights, an empty directory."""
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "empty").mkdir()
    (folder / "zero.sgf").write_bytes(b"")
    (folder / "notes.txt").write_text("a shopping list\n")
    (folder / "bad.pt").write_bytes(b"not a weights file\n" * 10)
    return {
        "missing": folder / "missing.sgf",
        "empty": folder / "empty",
        "zero": folder / "zero.sgf",
        "notes": folder / "notes.txt",
        "bad_weights": folder / "bad.pt",
        "no_folder": folder / "no-such-folder" / "accuracy.png",
    }


# (command line with {input} placeholders, words the error must hold)
EVALUATE_CASES = {
    "missing path": (["{missing}"], ["missing.sgf", "no such file"]),
    "not a game record": (["{notes}"], ["notes.txt", "not a game record"]),
    "bad weights": (["--weights", "{bad_weights}", str(GAME)], ["bad.pt", "weights"]),
    "batch size 0": (["--batch-size", "0", str(GAME)], ["--batch-size", "at least 1"]),
    "max games -1": (["--max-games", "-1", str(GAME)], ["--max-games", "at least 1"]),
    "unknown split": (["--split", "foo", str(GAME)], ["--split", "foo", "test"]),
    "empty directory": (["{empty}"], ["empty", "no position", "game records"]),
    "0-byte file": (["{zero}"], ["zero.sgf", "no game in file"]),
    "only broken games": ([str(BROKEN)], ["broken", "3 skipped", "illegal move"]),
    "plot into a missing folder": (["--plot", "{no_folder}", str(GAME)], ["--plot", "no-such"]),
}


def filled(arguments: list[str], inputs: dict[str, Path]) -> list[str]:
    return [argument.format(**inputs) for argument in arguments]


@pytest.fixture(scope="module")
def evaluate_results(inputs) -> dict[str, subprocess.CompletedProcess]:
    cases = EVALUATE_CASES.items()
    return run_all({case: ["evaluate", *filled(args, inputs)] for case, (args, _) in cases})


@pytest.mark.parametrize("case", EVALUATE_CASES)
def test_evaluate_refuses_bad_input_in_one_line(case, evaluate_results, inputs):
    assert_one_clear_error(evaluate_results[case], *EVALUATE_CASES[case][1])
    assert not inputs["no_folder"].parent.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_evaluate_on_cuda_without_one_says_so():
    result = run_cli("evaluate", "--device", "cuda", GAME)
    assert_one_clear_error(result, "--device cuda", "no CUDA device", "--device cpu")


PREPARE_CASES = {
    "missing path": (["{missing}"], ["missing.sgf", "no such file"]),
    "not a game record": (["{notes}"], ["notes.txt", "not a game record"]),
    "empty directory": (["{empty}"], ["empty", "no position", "nothing written"]),
    "0-byte file": (["{zero}"], ["zero.sgf", "no game in file", "nothing written"]),
    "only broken games": ([str(BROKEN)], ["broken", "3 skipped", "nothing written"]),
    "no workers": (["--workers", "0", str(GAME)], ["--workers", "at least 1"]),
    "shards of no games": (["--shard-games", "0", str(GAME)], ["--shard-games", "at least 1"]),
    "bad split": (["--split", "90,5", str(GAME)], ["--split", "90,5,5"]),
}


@pytest.fixture(scope="module")
def prepare_out(tmp_path_factory) -> Callable[[str], Path]:
    """Where each case's --out points (none of them may be written)."""
    folder = tmp_path_factory.mktemp("prepare")
    return lambda case: folder / case.replace(" ", "-")


@pytest.fixture(scope="module")
def prepare_results(inputs, prepare_out) -> dict[str, subprocess.CompletedProcess]:
    commands = {}
    for case, (arguments, _) in PREPARE_CASES.items():
        options = ["--out", prepare_out(case), "--workers", "1"]
        commands[case] = ["prepare", *options, *filled(arguments, inputs)]
    return run_all(commands)


@pytest.mark.parametrize("case", PREPARE_CASES)
def test_prepare_refuses_bad_input_in_one_line_and_writes_nothing(
    case, prepare_results, prepare_out
):
    assert_one_clear_error(prepare_results[case], *PREPARE_CASES[case][1])
    assert not prepare_out(case).exists()


# Root lists a directory whatever its mode (and CI runs as root): there, the command runs with
# os.scandir refusing a directory of mode 000, as the kernel does for any other user.
AS_ANY_USER = """import os

_scandir = os.scandir


def _refusing(path="."):
    if os.stat(path).st_mode & 0o777 == 0:
        raise PermissionError(13, "Permission denied", os.fspath(path))
    return _scandir(path)


os.scandir = _refusing
"""


@pytest.mark.parametrize("command", ["evaluate", "prepare"])
def test_an_unreadable_directory_is_skipped_and_named_and_the_rest_used(command, tmp_path):
    locked, games = tmp_path / "games" / "a-locked", tmp_path / "games" / "b"
    locked.mkdir(parents=True)
    games.mkdir()
    (games / GAME.name).write_bytes(GAME.read_bytes())
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(AS_ANY_USER)
    path = (tmp_path / "site",) if os.geteuid() == 0 else ()
    locked.chmod(0)
    try:
        extra = ["--out", tmp_path / "data", "--workers", "1"] if command == "prepare" else []
        result = run_cli(command, tmp_path / "games", *extra, path=path)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert f"{locked}: unreadable file (cannot read the directory" in result.stderr
    if command == "evaluate":
        assert "1 game (321 moves), 1 skipped (1 unreadable file)" in result.stdout
    else:
        manifest = json.loads((tmp_path / "data" / "manifest.json").read_text())
        assert manifest["game_ids"] == ["tom-354460"]
        assert [skip["source"] for skip in manifest["skipped"]] == [str(locked)]


TINY_RUN = ["--k", "8", "--batch-size", "16", "--device", "cpu", "--threads", "1"]
TRAIN_CASES = {
    "batch size -5": (["--batch-size", "-5"], ["--batch-size -5", "at least 1"]),
    "batch size 0": (["--batch-size", "0"], ["--batch-size 0", "at least 1"]),
    "negative rate": (["--lr", "-1"], ["--lr -1", "more than 0"]),
    "rate nan": (["--lr", "nan"], ["--lr nan", "finite"]),
    "rate 0 with cosine": (["--lr", "0", "--schedule", "cosine"], ["--lr 0", "more than 0"]),
    "no filters": (["--k", "0"], ["--k 0", "at least 1"]),
    "negative filters": (["--k", "-3"], ["--k -3", "at least 1"]),
    "no steps": (["--max-steps", "0"], ["--max-steps 0", "at least 1"]),
    "missing data": (["--data", "{missing}"], ["--data", "missing.sgf", "no such file"]),
    "not game records": (["--data", "{notes}"], ["--data", "notes.txt", "not a game record"]),
    "empty data": (["--data", "{empty}"], ["--data", "no readable sgf", "prepare"]),
    "resume without a run": (["--resume"], ["checkpoint.pt", "no checkpoint to resume"]),
    "resume with another k": (["--resume", "--k", "32"], ["--k 32", "k=8", "another --out"]),
    "damaged checkpoint": (["--resume"], ["checkpoint.pt", "cannot read", "another --out"]),
    "diverging": (
        ["--data", str(GAME), *TINY_RUN, "--optimizer", "sgd", "--lr", "1e30", "--log-every", "1"],
        ["loss became", "no checkpoint was written", "--lr"],
    ),
}


@pytest.fixture(scope="module")
def train_outs(tmp_path_factory) -> dict[str, Path]:
    """Each case's --out: a fresh folder, except those that resume: a real k=8 run of one
    step, and that run with its checkpoint damaged."""
    folder = tmp_path_factory.mktemp("train")
    outs = {case: folder / case.replace(" ", "-") for case in TRAIN_CASES}
    for case in ("resume with another k", "damaged checkpoint"):
        result = run_cli("train", "--data", GAME, "--out", outs[case], *TINY_RUN,
                         "--max-steps", "1", "--eval-positions", "16")  # fmt: skip
        assert result.returncode == 0, result.stderr
    checkpoint = outs["damaged checkpoint"] / "checkpoint.pt"
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    return outs


@pytest.fixture(scope="module")
def train_results(inputs, train_outs) -> dict[str, subprocess.CompletedProcess]:
    commands = {}
    for case, (arguments, _) in TRAIN_CASES.items():
        commands[case] = ["train", "--out", train_outs[case], *filled(arguments, inputs)]
    return run_all(commands)


@pytest.mark.parametrize("case", TRAIN_CASES)
def test_train_refuses_bad_settings_in_one_line_and_leaves_nothing(case, train_results, train_outs):
    assert_one_clear_error(train_results[case], *TRAIN_CASES[case][1])
    resumed = case in ("resume with another k", "damaged checkpoint")
    assert train_outs[case].exists() == resumed
