import argparse
import errno
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from sgfmill import sgf

from alphago_policy import evaluate as ev
from alphago_policy import metrics

GAMES = ("tom-354460.sgf", "tygem-407331168.sgf")


class Constant(torch.nn.Module):
    """A 'network' whose logits are the same vector b for every position."""

    def __init__(self, b: np.ndarray):
        super().__init__()
        self.b = torch.nn.Parameter(torch.from_numpy(b).float())

    def forward(self, x):
        return self.b.expand(len(x), 361)


def expert_moves(path) -> list[tuple[int, int]]:
    """(move number, flat label) of each non-pass move, read with sgfmill alone."""
    game = sgf.Sgf_game.from_bytes(path.read_bytes())
    moves = [node.get_move() for node in game.get_main_sequence()]
    points = [point for colour, point in moves if colour is not None]
    return [(n, p[0] * 19 + p[1]) for n, p in enumerate(points, 1) if p is not None]


def test_tally_by_hand():
    logits = torch.log(torch.tensor([[0.5, 0.25, 0.25] + [0.0] * 358]).clamp_min(1e-30))
    logits = logits.repeat(3, 1)
    tally = metrics.Tally()
    tally.add(logits, torch.tensor([0, 1, 200]), np.array([1, 60, 200]))
    rows = {r["phase"]: r for r in tally.rows()}
    assert rows["moves 1-50"]["positions"] == 1 and rows["moves 1-50"]["top1"] == 1.0
    assert rows["moves 1-50"]["nll"] == pytest.approx(math.log(2))
    assert rows["moves 51-150"]["top1"] == 0.0 and rows["moves 51-150"]["top5"] == 1.0
    assert rows["moves 51-150"]["nll"] == pytest.approx(math.log(4))
    assert rows["moves 151+"]["top5"] == 0.0
    assert rows["all"]["positions"] == 3 and rows["all"]["top1"] == pytest.approx(1 / 3)


def test_figures_match_a_hand_computation(fixtures_dir):
    from sgf_data import read_games

    paths = [fixtures_dir / "games" / name for name in GAMES]
    expected = [m for path in paths for m in expert_moves(path)]
    numbers = np.array([n for n, _ in expected])
    labels = np.array([label for _, label in expected])
    rng = np.random.default_rng(0)
    b = np.bincount(labels, minlength=361) + rng.random(361)  # frequent points rank high
    model = Constant(b)

    skipped = []
    batches = ev.decoded(ev.rebatched(ev.game_arrays(read_games(*paths), skipped), 64), "cpu")
    rows = {r["phase"]: r for r in ev.evaluate(model, batches).rows()}

    log_p = b - np.log(np.exp(b - b.max()).sum()) - b.max()
    top5 = np.argsort(-b)[:5]
    phases = np.digitize(numbers, [51, 151])
    for phase, name in enumerate(metrics.PHASES):
        mine = phases == phase
        assert rows[name]["positions"] == mine.sum()
        assert rows[name]["top1"] == pytest.approx(np.mean(labels[mine] == np.argmax(b)))
        assert rows[name]["top5"] == pytest.approx(np.mean(np.isin(labels[mine], top5)))
        assert rows[name]["nll"] == pytest.approx(-log_p[labels[mine]].mean(), rel=1e-5)
    assert rows["all"]["positions"] == len(expected) and not skipped
    assert rows["all"]["top5"] > 0


def test_command_line_json_and_plot(tiny_weights, tmp_path, fixtures_dir, capsys):
    parser = argparse.ArgumentParser()
    ev.add_arguments(parser)
    games = [str(fixtures_dir / "games" / GAMES[0])]
    args = parser.parse_args(
        ["--weights", str(tiny_weights), "--json", "--plot", str(tmp_path / "a.png"), *games]
    )
    assert ev.run(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["games"] == 1 and report["skipped_games"] == []
    assert "untrained" in report["network"]
    everything = report["rows"][-1]
    assert everything["phase"] == "all"
    assert everything["positions"] == len(expert_moves(fixtures_dir / "games" / GAMES[0]))
    assert 0 <= everything["top1"] <= everything["top5"] <= 1
    assert everything["nll"] == pytest.approx(math.log(361), rel=0.05)  # near uniform
    assert (tmp_path / "a.png").stat().st_size > 1000


class FirstPlane(torch.nn.Module):
    """Logits = 3 x plane 0 (the player's stones): turning the board turns the output."""

    def forward(self, x):
        return 3 * x[:, 0].flatten(1)


def test_symmetry_average_of_an_equivariant_model_is_the_model():
    x = (torch.rand(4, 48, 19, 19) < 0.2).float()
    plain = FirstPlane()(x).log_softmax(1)
    assert torch.allclose(ev.SymmetryAveraged(FirstPlane())(x), plain, atol=1e-5)


def test_symmetry_average_of_a_constant_model():
    b = torch.zeros(361)
    b[3] = 5.0  # D1 (row 0, col 3) is favoured
    with torch.no_grad():
        averaged = ev.SymmetryAveraged(Constant(b.numpy()))(torch.zeros(1, 48, 19, 19))[0].exp()
    images = {(3, 0), (0, 3), (15, 0), (0, 15), (18, 3), (3, 18), (18, 15), (15, 18)}
    favoured = {divmod(int(i), 19) for i in averaged.topk(8).indices}
    assert favoured == images  # the 8 images of D1 share its probability
    assert float(averaged.sum()) == pytest.approx(1.0, abs=1e-5)


def test_prepared_data_gives_the_same_figures_as_its_games(
    tiny_weights, tmp_path, fixtures_dir, capsys
):
    from alphago_policy.prepare import PrepareSettings, prepare

    game = str(fixtures_dir / "games" / GAMES[1])
    prepare(PrepareSettings((game,), str(tmp_path / "d"), 1, fractions=(0, 0, 1)), progress=False)
    parser = argparse.ArgumentParser()
    ev.add_arguments(parser)
    reports = []
    for data in ([str(tmp_path / "d"), "--split", "test"], [game]):
        args = parser.parse_args(["--weights", str(tiny_weights), "--json", *data])
        assert ev.run(args) == 0
        reports.append(json.loads(capsys.readouterr().out))
    prepared, games = (report["rows"] for report in reports)
    for from_prepared, from_games in zip(prepared, games, strict=True):
        assert from_prepared == pytest.approx(from_games)


def strict_json(text: str) -> dict:
    """JSON as other languages read it: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))


def test_a_repeated_game_is_evaluated_once_and_said_so(
    tiny_weights, tmp_path, fixtures_dir, capsys
):
    games = tmp_path / "games"
    games.mkdir()
    short = b"(;GM[1]SZ[19]PC[TOM]GN[123456];B[pd];W[dd];B[pp];W[dp])"  # no moves 51+
    (games / "short.sgf").write_bytes(short)
    (games / "copy.sgf").write_bytes(short)
    (games / "self").symlink_to(".")  # a loop: the directory is read once
    parser = argparse.ArgumentParser()
    ev.add_arguments(parser)
    args = parser.parse_args(["--weights", str(tiny_weights), str(games)])
    assert ev.run(args) == 0
    assert "2 files read: 1 game (4 moves), 1 skipped (1 duplicate)" in capsys.readouterr().out
    args = parser.parse_args(["--weights", str(tiny_weights), "--json", str(games)])
    assert ev.run(args) == 0
    report = strict_json(capsys.readouterr().out)
    assert report["games"] == 1 and len(report["skipped_games"]) == 1
    assert "duplicate" in report["skipped_games"][0]
    rows = {row["phase"]: row for row in report["rows"]}
    assert rows["all"]["positions"] == rows["moves 1-50"]["positions"] == 4
    assert rows["moves 151+"] == {
        "phase": "moves 151+",
        "positions": 0,
        "top1": None,
        "top5": None,
        "nll": None,
    }


def run_evaluate(*arguments: str) -> int:
    parser = argparse.ArgumentParser()
    ev.add_arguments(parser)
    return ev.run(parser.parse_args(list(arguments)))


def test_weights_whose_card_is_none_are_evaluated(tiny_weights, tmp_path, fixtures_dir, capsys):
    payload = torch.load(tiny_weights, weights_only=True)
    torch.save({**payload, "card": None}, tmp_path / "w.pt")
    game = str(fixtures_dir / "games" / GAMES[0])
    assert run_evaluate("--weights", str(tmp_path / "w.pt"), game) == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_a_directory_whose_entries_vanish_while_read_is_no_traceback(tiny_weights, capsys):
    assert run_evaluate("--weights", str(tiny_weights), "/dev/fd") == 2
    assert "no position to evaluate in /dev/fd" in capsys.readouterr().err


def test_a_plot_that_cannot_be_written_is_refused_before_the_evaluation(
    tiny_weights, tmp_path, fixtures_dir, capsys, monkeypatch, read_only_disk
):
    monkeypatch.setattr(ev, "evaluate", lambda *args: pytest.fail("evaluated"))
    game = str(fixtures_dir / "games" / GAMES[0])
    assert (
        run_evaluate("--weights", str(tiny_weights), "--plot", str(tmp_path / "a.png"), game) == 2
    )
    error = capsys.readouterr().err
    assert error.startswith(f"error: --plot {tmp_path / 'a.png'}: ")
    assert "cannot write" in error and "Read-only" in error


def test_a_plot_that_fails_to_write_at_the_end_names_the_file(
    tiny_weights, tmp_path, fixtures_dir, capsys, monkeypatch
):
    def full(rows, title, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ev, "plot", full)
    game = str(fixtures_dir / "games" / GAMES[0])
    assert (
        run_evaluate("--weights", str(tiny_weights), "--plot", str(tmp_path / "a.png"), game) == 2
    )
    captured = capsys.readouterr()
    assert "top-1" in captured.out  # the figures are printed before
    assert captured.err.split("\n")[-2] == (
        f"error: {tmp_path / 'a.png'}: cannot write it (No space left on device); its previous "
        "version, if any, is kept"
    )


def damage_labels_file(data: Path, labels: Path) -> None:
    labels.unlink()


def damage_codes_file(data: Path, labels: Path) -> None:
    codes = labels.with_name(labels.name.replace("labels", "codes"))
    codes.write_bytes(codes.read_bytes()[:-2000])


def damage_manifest(data: Path, labels: Path) -> None:
    (data / "manifest.json").write_text('{"splits": [1, 2]}')


def damage_labels(data: Path, labels: Path) -> None:
    array = np.load(labels)
    array[3] = 400
    np.save(labels, array)


@pytest.mark.parametrize(
    "damage", [damage_labels_file, damage_codes_file, damage_manifest, damage_labels]
)
def test_a_damaged_prepared_directory_is_refused_in_one_line(
    damage, tiny_weights, tmp_path, fixtures_dir, capsys
):
    from alphago_policy.prepare import PrepareSettings, prepare

    game = str(fixtures_dir / "games" / GAMES[1])
    data = tmp_path / "d"
    prepare(PrepareSettings((game,), str(data), 1, fractions=(0, 0, 1)), progress=False)
    damage(data, next((data / "test").glob("*.labels.npy")))
    assert run_evaluate("--weights", str(tiny_weights), str(data)) == 2
    error = capsys.readouterr().err
    assert error.startswith("error:") and error.count("\n") == 1 and "prepare" in error
