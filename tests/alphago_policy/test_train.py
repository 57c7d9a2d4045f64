import argparse
import dataclasses
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from alphago_policy import checkpoint as ckpt
from alphago_policy import train as tr
from alphago_policy.files import OutputError
from alphago_policy.policy import load_policy
from alphago_policy.run_dir import RunDir, RunInUse
from alphago_policy.runlog import LOG, read_log

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, fixtures_dir):
    """Six real fixture games prepared into train and validation splits."""
    from alphago_policy.prepare import PrepareSettings, prepare

    out = tmp_path_factory.mktemp("prepared")
    games = tuple(str(p) for p in sorted((fixtures_dir / "games").glob("*.sgf"))[:6])
    prepare(PrepareSettings(games, str(out), 1, fractions=(0.7, 0.3, 0.0)), progress=False)
    return out


def tiny(data_dir, out, **changes) -> tr.Settings:
    settings = tr.Settings(
        data=str(data_dir),
        out=str(out),
        k=8,
        batch_size=16,
        optimizer="momentum",
        lr=0.01,
        schedule="cosine",
        warmup_steps=2,
        decay_steps=20,
        max_steps=8,
        log_every=2,
        eval_every=4,
        eval_positions=64,
        device="cpu",
    )
    return dataclasses.replace(settings, **changes)


def checkpoint(out) -> dict:
    return dataclasses.asdict(ckpt.load(out))


def assert_same_state(a: dict, b: dict) -> None:
    assert a["step"] == b["step"]
    for name, tensor in a["model"].items():
        assert torch.equal(tensor, b["model"][name]), name
    moments_a = [s["momentum_buffer"] for s in a["optimizer"]["state"].values()]
    moments_b = [s["momentum_buffer"] for s in b["optimizer"]["state"].values()]
    assert all(torch.equal(x, y) for x, y in zip(moments_a, moments_b, strict=True))
    assert a["scheduler"] == b["scheduler"]


def test_resumed_run_equals_uninterrupted_run(data_dir, tmp_path):
    whole = tr.train(tiny(data_dir, tmp_path / "whole"))
    assert whole["step"] == 8 and whole["reason"] == "max_steps"

    first = tr.train(tiny(data_dir, tmp_path / "parts", max_steps=5))
    assert first["step"] == 5
    resumed = tr.train(tiny(data_dir, tmp_path / "parts"), resume=True)
    assert resumed["step"] == 8
    assert_same_state(checkpoint(tmp_path / "whole"), checkpoint(tmp_path / "parts"))
    assert resumed["val_loss"] == whole["val_loss"]

    log = read_log(tmp_path / "parts" / LOG)
    starts = [r for r in log if r["event"] == "start"]
    assert [(r["step"], r["resume"]) for r in starts] == [(0, False), (5, True)]
    ends = [r for r in log if r["event"] == "end"]  # the first part's validation stays
    assert [r["step"] for r in ends] == [5, 8] and ends[0]["val_loss"] == first["val_loss"]
    assert {r["event"] for r in log} == {"start", "train", "validation", "checkpoint", "end"}
    assert all(r["positions_per_s"] > 0 for r in log if r["event"] == "train")

    policy = load_policy(tmp_path / "parts" / "policy_k8.pt")
    assert policy.k == 8 and policy.card["steps"] == 8
    assert policy.card["validation_accuracy"] == resumed["val_accuracy"]


def test_wall_time_budget_stops_with_a_checkpoint(data_dir, tmp_path):
    result = tr.train(tiny(data_dir, tmp_path, max_steps=10**6, max_minutes=0.002))
    assert result["reason"] == "max_minutes" and 0 < result["step"] < 10**6
    assert checkpoint(tmp_path)["step"] == result["step"]


def test_existing_run_is_not_overwritten(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path, max_steps=1))
    with pytest.raises(tr.SettingsError, match="--resume"):
        tr.train(tiny(data_dir, tmp_path, max_steps=1))


def test_flags_override_settings_and_the_checkpoint(data_dir, tmp_path):
    parser = argparse.ArgumentParser()
    tr.add_arguments(parser)
    args = parser.parse_args(["--batch-size", "32", "--no-bf16", "--optimizer", "adamw"])
    assert tr.settings_from(args) == tr.Settings(batch_size=32, bf16=False, optimizer="adamw")

    tr.train(tiny(data_dir, tmp_path, max_steps=1))
    args = parser.parse_args(["--out", str(tmp_path), "--resume", "--max-steps", "3"])
    assert tr.settings_from(args) == tiny(data_dir, tmp_path, max_steps=3)


def command(*args: str) -> list[str]:
    return [sys.executable, *args]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


def flags(settings: tr.Settings) -> list[str]:
    pairs = [("--data", settings.data), ("--out", settings.out), ("--k", settings.k)]
    pairs += [("--batch-size", settings.batch_size), ("--optimizer", settings.optimizer)]
    pairs += [("--lr", settings.lr), ("--max-steps", settings.max_steps)]
    pairs += [("--log-every", settings.log_every), ("--eval-every", settings.eval_every)]
    pairs += [("--eval-positions", settings.eval_positions), ("--device", "cpu")]
    return [str(part) for pair in pairs for part in pair]


@pytest.mark.parametrize("stop, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_checkpoints_exits_128_plus_it_and_the_run_resumes(
    data_dir, tmp_path, stop, status
):
    settings = tiny(data_dir, tmp_path, max_steps=10**6, log_every=1, eval_every=0)
    process = subprocess.Popen(
        command("-m", "alphago_policy", "train", *flags(settings)),
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    log = tmp_path / LOG
    deadline = time.monotonic() + 180  # a loaded machine starts slowly
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and sum(r["event"] == "train" for r in read_log(log)) >= 3:
            break
        time.sleep(0.2)
    process.send_signal(stop)
    assert process.wait(60) == status, process.stderr.read().decode()  # `train && ship` stops
    end = read_log(log)[-1]
    assert end["event"] == "end" and end["reason"] == stop.name and end["step"] >= 3
    assert checkpoint(tmp_path)["step"] == end["step"]

    resumed = tr.train(dataclasses.replace(settings, max_steps=end["step"] + 2), resume=True)
    assert resumed["step"] == end["step"] + 2


def test_two_processes_with_ddp_learn_and_stay_in_sync(fixtures_dir, tmp_path):
    from alphago_policy.prepare import PrepareSettings, prepare

    game = str(fixtures_dir / "games" / "tom-354460.sgf")  # 321 positions, all for training
    settings = PrepareSettings((game,), str(tmp_path / "data"), 1, fractions=(1.0, 0.0, 0.0))
    prepare(settings, progress=False)
    settings = tiny(
        tmp_path / "data", tmp_path / "run", k=16, batch_size=32, optimizer="adamw",
        lr=0.003, max_steps=60, log_every=10, eval_every=0,
    )  # fmt: skip
    run = subprocess.run(
        command(
            "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
            "-m", "alphago_policy", "train", *flags(settings), "--no-augment",
        ),
        env=environment(),
        capture_output=True,
        timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    log = read_log(tmp_path / "run" / LOG)
    assert log[0]["world_size"] == 2
    losses = [r["loss"] for r in log if r["event"] == "train"]
    assert len(losses) == 6 and losses[-1] < losses[0] - 1.0, losses  # it overfits the game
    assert log[-1]["event"] == "end" and log[-1]["replicas_identical"] is True


def from_records(fixtures_dir, out, **changes) -> tr.Settings:
    """A tiny run straight from the fixture game records."""
    changes = {"data": str(fixtures_dir / "games"), "window_files": 6, "workers": 0, **changes}
    return tiny(fixtures_dir, out, **changes)


def test_a_run_from_game_records_resumes_exactly_whatever_the_workers(fixtures_dir, tmp_path):
    whole = tr.train(from_records(fixtures_dir, tmp_path / "whole"))
    first = tr.train(from_records(fixtures_dir, tmp_path / "parts", max_steps=5))
    assert first["step"] == 5
    position = ckpt.load(tmp_path / "parts").data["position"]
    assert position["offset"] > 0
    resumed = tr.train(from_records(fixtures_dir, tmp_path / "parts", workers=2), resume=True)
    assert resumed["step"] == whole["step"] == 8
    assert_same_state(checkpoint(tmp_path / "whole"), checkpoint(tmp_path / "parts"))
    data = ckpt.load(tmp_path / "whole").data
    assert data["kind"] == "game records" and data["files"] == 24


def test_batch_norm_trains_and_ships_folded(fixtures_dir, tmp_path):
    result = tr.train(from_records(fixtures_dir, tmp_path, batch_norm=True, max_steps=3))
    assert result["step"] == 3
    policy = load_policy(tmp_path / "policy_k8.pt")
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in policy.model.modules())
    assert policy.card["batch_norm"] == "trained with batch norm, folded in"


def test_weight_decay_spares_biases_and_the_point_bias():
    model = tr.build(8, batch_norm=True)
    decayed, spared = tr.parameter_groups(model, 0.1)
    assert decayed["weight_decay"] == 0.1 and spared["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(
        names[id(p)].endswith("weight") and "bn" not in names[id(p)] for p in decayed["params"]
    )
    assert {names[id(p)] for p in spared["params"]} >= {
        "bias.bias",
        "conv1.bias",
        "conv1_bn.weight",
    }


def test_a_diverging_run_stops_keeps_its_last_good_checkpoint_and_says_so(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path, max_steps=2))
    good = checkpoint(tmp_path)
    with pytest.raises(tr.Diverged, match="checkpoint of step 2 is kept"):
        tr.train(tiny(data_dir, tmp_path, lr=1e30, max_steps=6), resume=True)
    assert_same_state(checkpoint(tmp_path), good)
    assert read_log(tmp_path / LOG)[-1]["event"] == "diverged"


def test_resuming_after_a_kill_drops_the_log_lines_after_the_checkpoint(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path, max_steps=4))
    log = tmp_path / LOG
    with open(log, "a") as f:  # what a run killed after its checkpoint had logged
        f.write('{"event": "train", "step": 6}\n')
    tr.train(tiny(data_dir, tmp_path, max_steps=8), resume=True)
    records = read_log(log)
    steps = [r["step"] for r in records if r["event"] == "train"]
    assert steps == sorted(set(steps)) == [2, 4, 6, 8]
    assert [r["step"] for r in records if r["event"] == "end"] == [4, 8]


def test_the_gradient_is_clipped_to_clip_norm_and_its_norm_logged(data_dir, tmp_path):
    settings = tiny(data_dir, tmp_path, clip_norm=1e-3)
    net = tr.build(8)
    optimizer = tr.make_optimizer(net, settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    x = torch.randn(4, 48, 19, 19)
    _, norm = tr.train_step(net, optimizer, scheduler, x, torch.arange(4), settings)
    clipped = torch.nn.utils.get_total_norm([p.grad for p in net.parameters()])
    assert norm > 1e-2 and clipped == pytest.approx(1e-3, rel=1e-3)

    tr.train(tiny(data_dir, tmp_path / "run", max_steps=4))
    trained = [r for r in read_log(tmp_path / "run" / LOG) if r["event"] == "train"]
    assert all(0 < r["grad_norm"] <= r["grad_norm_max"] for r in trained)


def test_rebalance_keeps_the_function_and_adams_steps_and_balances_the_gains(data_dir, tmp_path):
    settings = tiny(data_dir, tmp_path, optimizer="adamw", lr=0.05, max_steps=4)
    tr.train(settings)
    before = checkpoint(tmp_path)
    tr.train(settings, resume=True, rebalance=True)  # at max_steps already: no step after it
    after = checkpoint(tmp_path)

    nets = []
    for state in (before, after):
        nets.append(tr.build(8).eval())
        nets[-1].load_state_dict(state["model"])
    x = torch.rand(3, 48, 19, 19)
    with torch.no_grad():
        torch.testing.assert_close(nets[1](x), nets[0](x), rtol=1e-4, atol=1e-4)
    assert tr.gain_ratio(nets[0]) > 1.01 and tr.gain_ratio(nets[1]) == pytest.approx(1)

    # Adam's moments follow each parameter's factor k: m / k and v / k^2, so m * p and
    # v * p^2 are unchanged (the optimizer's state lists the parameters in group order).
    for net, state in zip(nets, (before, after), strict=True):
        groups = tr.parameter_groups(net, 0.0)
        state["pairs"] = [
            (param.detach(), state["optimizer"]["state"][i])
            for i, param in enumerate(p for group in groups for p in group["params"])
        ]
    for (p0, s0), (p1, s1) in zip(before["pairs"], after["pairs"], strict=True):
        torch.testing.assert_close(s1["exp_avg"] * p1, s0["exp_avg"] * p0, rtol=1e-4, atol=1e-9)
        torch.testing.assert_close(
            s1["exp_avg_sq"] * p1**2, s0["exp_avg_sq"] * p0**2, rtol=1e-4, atol=1e-12
        )

    records = read_log(tmp_path / LOG)
    rebalanced = next(r for r in records if r["event"] == "rebalanced")
    assert len(set(rebalanced["gains_before"].values())) == 13
    assert records[-1]["gain_ratio"] == pytest.approx(1)


def test_rebalance_is_for_a_resumed_run_without_batch_norm(data_dir, tmp_path):
    with pytest.raises(tr.SettingsError, match=r"--rebalance .* with --resume"):
        tr.train(tiny(data_dir, tmp_path), rebalance=True)
    tr.train(tiny(data_dir, tmp_path, batch_norm=True, max_steps=2))
    with pytest.raises(tr.SettingsError, match=r"--rebalance: .* batch norm"):
        tr.train(tiny(data_dir, tmp_path, batch_norm=True), resume=True, rebalance=True)


def test_init_starts_a_wider_run_from_a_trained_network_and_its_cards_say_so(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path / "narrow", k=4, max_steps=4))
    narrow = load_policy(tmp_path / "narrow" / "policy_k4.pt")
    settings = tiny(data_dir, tmp_path / "wide", init=str(tmp_path / "narrow" / "policy_k4.pt"))

    # After one step at a negligible rate, the wide network computes the narrow one's function
    # (to the half precision of the weights files).
    tr.train(dataclasses.replace(settings, max_steps=1, lr=1e-12, warmup_steps=0))
    wide = load_policy(tmp_path / "wide" / "policy_k8.pt")
    x = torch.rand(3, 48, 19, 19)
    with torch.no_grad():
        torch.testing.assert_close(wide.model(x), narrow.model(x), rtol=0.01, atol=0.01)
    origin = wide.card["initialised_from"]
    assert origin["k"] == 4 and origin["card"]["steps"] == 4
    assert "widened from a k=4 network of 4 steps" in wide.description

    # The origin stays with the run: a resumed run's card still says where it started.
    tr.train(dataclasses.replace(settings, max_steps=3), resume=True)
    assert ckpt.load(tmp_path / "wide").origin["k"] == 4
    assert load_policy(tmp_path / "wide" / "policy_k8.pt").card["initialised_from"] == origin


def test_init_refuses_a_wider_or_missing_network_and_batch_norm(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path / "k8", max_steps=1))
    weights = str(tmp_path / "k8" / "policy_k8.pt")
    with pytest.raises(tr.SettingsError, match=r"--init .*policy_k8.pt.* --k of at least 8"):
        tr.train(tiny(data_dir, tmp_path / "k4", k=4, init=weights))
    with pytest.raises(tr.SettingsError, match=r"--init .*nowhere.pt: no such weights file"):
        tr.train(tiny(data_dir, tmp_path / "k4", init=str(tmp_path / "nowhere.pt")))
    with pytest.raises(tr.SettingsError, match="--init with --batch-norm"):
        tr.train(tiny(data_dir, tmp_path / "k4", init=weights, batch_norm=True))
    assert not (tmp_path / "k4").exists()


def test_a_run_in_use_is_refused_in_one_line(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path, max_steps=1))
    with RunDir(tmp_path).claimed():  # as a run training there holds it
        resumed = subprocess.run(
            command("-m", "alphago_policy", "train", "--out", str(tmp_path), "--resume"),
            env=environment(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        with pytest.raises(RunInUse, match=f"process {os.getpid()} is training that run"):
            tr.train(tiny(data_dir, tmp_path, max_steps=3), resume=True)
    assert resumed.returncode == 2
    assert resumed.stderr.splitlines() == [
        f"error: {tmp_path} is in use: process {os.getpid()} is training that run; wait for it "
        f"to end (or stop it), or give another --out"
    ]
    assert checkpoint(tmp_path)["step"] == 1


def test_a_full_disk_is_refused_before_training_and_named_when_it_fills(
    data_dir, tmp_path, monkeypatch, capsys
):
    real = shutil.disk_usage
    with monkeypatch.context() as patch:
        patch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=10**5))
        with pytest.raises(OutputError, match=r"run: 0.1 MB free on its disk, .* MB needed"):
            tr.train(tiny(data_dir, tmp_path / "run"))
    assert not (tmp_path / "run").exists()

    tr.train(tiny(data_dir, tmp_path / "run", max_steps=2))

    def full(_descriptor):  # what the system says when the disk fills
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    parser = argparse.ArgumentParser()
    tr.add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "run"), "--resume", "--max-steps", "4"])
    assert tr.run(args) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (  # after the progress bar
        f"error: {tmp_path / 'run' / 'checkpoint.pt'}: cannot write it (No space left on "
        f"device); its previous version, if any, is kept"
    )
    assert checkpoint(tmp_path / "run")["step"] == 2


def test_an_output_place_that_cannot_be_written_is_named(data_dir, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match=r"file/run: cannot write the run there \(Not a dir"):
        tr.train(tiny(data_dir, tmp_path / "file" / "run"))


def test_data_without_training_positions_is_refused_and_leaves_no_run(fixtures_dir, tmp_path):
    from alphago_policy.prepare import PrepareSettings, prepare

    games = (str(fixtures_dir / "games" / "tom-354460.sgf"),)
    prepare(PrepareSettings(games, str(tmp_path / "data"), 1, fractions=(0.0, 0.5, 0.5)))
    with pytest.raises(tr.SettingsError, match=r"data: its train split holds 0 positions, not one"):
        tr.train(tiny(tmp_path / "data", tmp_path / "run"))
    held_out = str(fixtures_dir / "held_out")  # only test-split games
    with pytest.raises(tr.SettingsError, match=r"held_out: the game records hold no position of"):
        tr.train(from_records(fixtures_dir, tmp_path / "run", data=held_out, window_files=5))
    assert not (tmp_path / "run").exists()


def test_init_takes_a_weights_file_without_a_card(data_dir, tmp_path):
    tr.train(tiny(data_dir, tmp_path / "narrow", k=4, max_steps=1))
    payload = torch.load(tmp_path / "narrow" / "policy_k4.pt", weights_only=True)
    torch.save({**payload, "card": None}, tmp_path / "no_card.pt")
    tr.train(tiny(data_dir, tmp_path / "wide", init=str(tmp_path / "no_card.pt"), max_steps=1))
    origin = load_policy(tmp_path / "wide" / "policy_k8.pt").card["initialised_from"]
    assert origin == {"weights": str(tmp_path / "no_card.pt"), "k": 4, "card": {}}


def test_a_run_diverging_before_its_first_checkpoint_is_not_told_to_resume(data_dir, tmp_path):
    with pytest.raises(tr.Diverged) as raised:
        tr.train(tiny(data_dir, tmp_path, lr=1e30, warmup_steps=0, max_steps=6))
    message = str(raised.value)
    assert "no checkpoint was written. Start again with a lower rate (`--lr 1e+29`)" in message
    assert "--resume" not in message


def test_the_moving_average_resumes_exactly(data_dir, tmp_path):
    whole = tr.train(tiny(data_dir, tmp_path / "whole", ema=0.9))
    tr.train(tiny(data_dir, tmp_path / "parts", ema=0.9, max_steps=5))
    resumed = tr.train(tiny(data_dir, tmp_path / "parts", ema=0.9), resume=True)
    a, b = checkpoint(tmp_path / "whole"), checkpoint(tmp_path / "parts")
    assert_same_state(a, b)
    assert a["ema"].keys() == b["ema"].keys() and a["ema"]
    assert all(torch.equal(tensor, b["ema"][name]) for name, tensor in a["ema"].items())
    assert resumed["ema_val_loss"] == whole["ema_val_loss"]
    averages = [load_policy(tmp_path / run / "ema_k8.pt") for run in ("whole", "parts")]
    assert averages[0].card["validation_loss"] == whole["ema_val_loss"]
    for name, tensor in averages[0].model.state_dict().items():
        assert torch.equal(tensor, averages[1].model.state_dict()[name]), name
