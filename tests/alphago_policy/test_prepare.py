"""`prepare`: positions and labels of real games, the split, the manifest, interrupt and resume."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from alphago_policy import encoding
from alphago_policy import prepare as prepare_module
from alphago_policy.__main__ import main
from alphago_policy.layout import MANIFEST, SPLITS, file_entry, shard_path, split_of
from alphago_policy.prepare import PrepareSettings, prepare
from sgf_data.coords import to_index
from sgf_data.features import planes
from sgf_data.reader import read_games
from tests.processes import children, running

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sources(fixtures_dir) -> tuple[str, ...]:
    """Seven real games, from both servers."""
    files = sorted((fixtures_dir / "games").glob("*.sgf"))
    return tuple(str(path) for path in files[:4] + files[-3:])


def settings_for(sources, out: Path, **options) -> PrepareSettings:
    return PrepareSettings(sources, str(out), **{"workers": 1, "shard_games": 2, **options})


def read_output(out: Path) -> dict[str, bytes]:
    """Every file of a data directory but the run's timing, by relative path."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = json.loads(path.read_text()) if path.suffix == ".json" else path.read_bytes()
            if isinstance(data, dict):
                data.pop("run", None)
                data.pop("seconds", None)
            files[str(path.relative_to(out))] = data
    return files


@pytest.fixture(scope="module")
def prepared(sources, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prepared")
    prepare(settings_for(sources, out), progress=False)
    return out


def test_every_move_but_passes_becomes_a_position_of_its_games_split(sources, prepared):
    manifest = json.loads((prepared / MANIFEST).read_text())
    games = list(read_games(*sources))
    assert manifest["game_ids"] == [game.game_id for game in games]
    expected = {split: 0 for split in SPLITS}
    for game in games:
        expected[split_of(game.game_id)] += sum(point is not None for _, point in game.moves)
    assert {s: manifest["splits"][s]["positions"] for s in SPLITS} == expected
    assert manifest["positions"] == sum(expected.values())
    assert manifest["skipped"] == []
    assert manifest["encoding_version"] == encoding.ENCODING_VERSION
    assert manifest["shard_games"] == 2 and manifest["fractions"] == [0.9, 0.05, 0.05]


def test_stored_codes_and_labels_are_the_games_positions(sources, prepared):
    manifest = json.loads((prepared / MANIFEST).read_text())
    games = {game.game_id: game for game in read_games(*sources)}
    checked = 0
    for split in SPLITS:
        for shard in manifest["splits"][split]["shards"]:
            arrays = {
                name: np.load(shard_path(prepared, split, shard["name"], name))
                for name in ("codes", "labels", "games", "plies")
            }
            assert arrays["codes"].dtype == np.uint16 and arrays["labels"].dtype == np.int16
            for row in range(0, len(arrays["labels"]), 37):
                game = games[manifest["game_ids"][arrays["games"][row]]]
                assert split_of(game.game_id) == split
                ply = int(arrays["plies"][row])
                position, (_, point) = next(islice(game.replay(), ply, None))
                assert arrays["labels"][row] == to_index(point)
                np.testing.assert_array_equal(
                    encoding.decode(arrays["codes"][row]), planes(position)
                )
                checked += 1
    assert checked > 30


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(sources, prepared, tmp_path):
    class Interrupt(KeyboardInterrupt):
        pass

    def interrupt_after_two(record):
        done.append(record["shard"])
        if len(done) == 2:
            raise Interrupt

    done: list[str] = []
    with pytest.raises(Interrupt):
        prepare(settings_for(sources, tmp_path), on_shard=interrupt_after_two, progress=False)
    assert not (tmp_path / MANIFEST).exists()
    assert sorted(p.stem for p in (tmp_path / "shards").glob("*.json")) == ["000000", "000001"]
    (tmp_path / "train" / "000002.codes.npy.tmp-1234").write_bytes(b"half a file")

    resumed: list[str] = []
    manifest = prepare(settings_for(sources, tmp_path), on_shard=resumed.append, progress=False)
    assert [record["shard"] for record in resumed] == ["000002", "000003"]
    assert manifest["run"]["positions_computed"] < manifest["positions"]
    assert read_output(tmp_path) == read_output(prepared)


def test_command_stopped_by_a_signal_resumes_to_the_same_result(sources, prepared, tmp_path):
    """The real thing: `kill` (SIGTERM) the command after its first shard, run it again."""
    command = [sys.executable, "-m", "alphago_policy", "prepare", *sources]
    command += ["--out", str(tmp_path / "out"), "--workers", "1", "--shard-games", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    first_record = tmp_path / "out" / "shards" / "000000.json"
    while not first_record.exists() and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 143, output  # 128 + SIGTERM, as a shell reports it (not 0)
    assert "run the same command again to resume" in output
    done = len(list((tmp_path / "out" / "shards").glob("*.json")))
    assert 1 <= done < 4 and not (tmp_path / "out" / MANIFEST).exists()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    assert read_output(tmp_path / "out") == read_output(prepared)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_workers_end_when_the_main_process_is_killed(fixtures_dir, tmp_path):
    """`kill -9` of the main process: its workers must not live on, waiting for its tasks."""
    command = [sys.executable, "-m", "alphago_policy", "prepare", str(fixtures_dir / "games")]
    command += ["--out", str(tmp_path), "--workers", "2", "--shard-games", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    while not (tmp_path / "shards" / "000000.json").exists() and process.poll() is None:
        time.sleep(0.01)
    workers = children(process.pid)
    process.kill()
    process.wait()
    assert len(workers) >= 2
    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived the main process"


def test_worker_processes_give_the_same_result(sources, prepared, tmp_path):
    prepare(settings_for(sources, tmp_path, workers=2), progress=False)
    assert read_output(tmp_path) == read_output(prepared)


def test_other_settings_in_the_same_directory_are_refused(sources, prepared, tmp_path):
    shutil.copytree(prepared, tmp_path, dirs_exist_ok=True)
    with pytest.raises(ValueError, match="prepared with other settings"):
        prepare(settings_for(sources, tmp_path, shard_games=3), progress=False)


def test_bad_and_duplicate_games_are_skipped_and_recorded(fixtures_dir, tmp_path):
    games = tmp_path / "games"
    games.mkdir()
    original = fixtures_dir / "games" / "tom-354460.sgf"
    shutil.copy(original, games / "a.sgf")
    shutil.copy(original, games / "b-copy.sgf")
    (games / "c-broken.sgf").write_text("(;SZ[19];B[dd];W[dd])")
    manifest = prepare(settings_for((str(games),), tmp_path / "out"), progress=False)
    reasons = sorted(skip["reason"] for skip in manifest["skipped"])
    assert reasons == ["duplicate", "move on an occupied point"]
    assert manifest["game_ids"] == ["tom-354460"]


def test_command_line(fixtures_dir, tmp_path, capsys):
    game = str(fixtures_dir / "games" / "tygem-407331168.sgf")
    assert main(["prepare", game, "--out", str(tmp_path), "--workers", "1"]) == 0
    assert "positions" in capsys.readouterr().out
    assert main(["prepare", str(tmp_path / "missing.sgf"), "--out", str(tmp_path)]) == 2
    other = tmp_path / "all-test"
    assert main(["prepare", game, "--out", str(other), "--workers", "1", "--split", "0,0,100"]) == 0
    manifest = json.loads((other / MANIFEST).read_text())
    assert manifest["fractions"] == [0.0, 0.0, 1.0] and manifest["splits"]["test"]["games"] == 1


def test_a_symlink_loop_is_read_once_so_no_game_is_a_duplicate(fixtures_dir, tmp_path):
    games = tmp_path / "games"
    games.mkdir()
    shutil.copy(fixtures_dir / "games" / "tom-354460.sgf", games)
    (games / "self").symlink_to(".")
    manifest = prepare(settings_for((str(games),), tmp_path / "out"), progress=False)
    assert manifest["game_ids"] == ["tom-354460"] and manifest["skipped"] == []


def test_no_usable_game_is_an_error_and_leaves_nothing(fixtures_dir, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"no position to prepare from .*3 skipped"):
        prepare(settings_for((str(fixtures_dir / "broken"),), out), progress=False)
    assert not out.exists()
    out.mkdir()
    with pytest.raises(ValueError, match="nothing written"):
        prepare(settings_for((str(fixtures_dir / "broken"),), out), progress=False)
    assert list(out.iterdir()) == []


def test_a_finished_shard_damaged_since_is_computed_again(sources, prepared, tmp_path, capsys):
    shutil.copytree(prepared, tmp_path, dirs_exist_ok=True)
    (tmp_path / MANIFEST).unlink()  # as if the run had stopped before its end
    codes = shard_path(tmp_path, "train", "000001", "codes")
    codes.write_bytes(codes.read_bytes()[:-1000])  # a disk that filled up, a copy cut short
    (tmp_path / "shards" / "000002.json").write_text("{")  # a record cut short
    again: list[str] = []
    prepare(settings_for(sources, tmp_path), on_shard=again.append, progress=False)
    assert [record["shard"] for record in again] == ["000001", "000002"]
    assert "shard 000001: train/000001.codes.npy has" in capsys.readouterr().err
    assert read_output(tmp_path) == read_output(prepared)


def test_shard_records_hold_each_array_files_size_and_checksum(prepared):
    record = json.loads((prepared / "shards" / "000000.json").read_text())
    assert len(record["files"]) == len(SPLITS) * 4
    entry = record["files"]["train/000000.labels.npy"]
    path = shard_path(prepared, "train", "000000", "labels")
    assert entry == {"bytes": path.stat().st_size, "sha1": file_entry(path)["sha1"]}


def test_an_output_place_that_cannot_be_written_is_refused_before_any_work(
    sources, tmp_path, capsys, monkeypatch, read_only_disk
):
    monkeypatch.setattr(prepare_module, "read_games", lambda *a, **k: pytest.fail("read games"))
    assert main(["prepare", *sources, "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    line = capsys.readouterr().err
    assert line.count("\n") == 1 and "Read-only file system" in line and "--out" in line


def test_a_full_disk_while_writing_names_the_file_and_the_cause(sources, tmp_path, capsys):
    def full(file, data):
        raise OSError("810084 requested and 522176 written")  # numpy's words for ENOSPC

    out = tmp_path / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prepare_module.np, "save", full)
        assert main(["prepare", *sources, "--out", str(out), "--workers", "1"]) == 2
    line = capsys.readouterr().err.split("\n")[-2]  # after the progress bar
    assert line.startswith("error: ") and "000000.codes.npy: cannot write it" in line
    assert "disk full" in line


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="needs /dev/fd")
def test_a_directory_whose_entries_vanish_while_read_is_no_traceback(tmp_path, capsys):
    assert main(["prepare", "/dev/fd", "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    assert "no position to prepare from /dev/fd" in capsys.readouterr().err
