"""training/gpu_rl.sh rehearsed on the CPU with a tiny budget: what a GPU call brings back."""

import json
import os
import subprocess
from pathlib import Path

import torch

from alphago_policy.policy import build, load_policy, save_weights
from alphago_policy.runtime import cpu_has_bf16

REPO = Path(__file__).resolve().parents[2]


def test_the_gpu_rl_call_brings_back_weights_log_and_match(tmp_path):
    torch.manual_seed(0)
    start = tmp_path / "sl.pt"
    save_weights(build(k=4), start, {"trained": True, "steps": 3})
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DEVICE": "cpu",
        "WEIGHTS": str(start),
        "MINUTES": "0.01",
        "GAMES": "2",
        "MATCH_GAMES": "4",
        "MAX_MOVES": "20",
        "THREADS": "1",
        "ENGINE_THREADS": "1",
        "OUT": str(out),
        "DATA": str(REPO / "tests" / "fixtures" / "held_out"),
        "SYMMETRY_GAMES": "1" if cpu_has_bf16() else "0",  # the CPU's bf16 is compared
        "LATENCY_POSITIONS": "2",
    }
    script = REPO / "training" / "gpu_rl.sh"
    done = subprocess.run(
        ["bash", str(script)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr + (out / "train.err").read_text()
    symmetries = ["symmetries.err", "symmetries.md"] if cpu_has_bf16() else []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["log.jsonl", "match.json", "rl_k4.pt", "train.err", "train.out", *symmetries]
    )
    match = json.loads((out / "match.json").read_text())
    assert match["games"] == 4 and match["low"] <= match["win_rate"] <= match["high"]
    card = load_policy(out / "rl_k4.pt").card
    assert card["initialised_from"]["weights"] == str(start)
    assert card["reinforcement_learning"]["win_rate_against_start"]["wins"] == match["wins"]
    assert card["reinforcement_learning"]["games"] >= 2
