"""The baseline comparison: two tiny RL runs, their page, and a second call that runs nothing."""

import torch

from alphago_policy.policy import build, save_weights
from benchmarks import rl_baseline


def test_two_arms_run_once_and_make_a_page(tmp_path, monkeypatch, one_thread):
    torch.manual_seed(0)
    start = tmp_path / "sl.pt"
    save_weights(build(k=4), start, {"trained": True, "steps": 1})
    argv = ["--start", str(start), "--iterations", "1", "--games", "2", "--match-games", "2"]
    argv += ["--max-moves", "20", "--root", str(tmp_path / "runs"), "--out", str(tmp_path / "p.md")]
    assert rl_baseline.main(argv) == 0
    text = (tmp_path / "p.md").read_text()
    assert "| none | 1 | 2 |" in text and "| mean | 1 | 2 |" in text
    calls = []
    monkeypatch.setattr(rl_baseline, "rl_train", lambda *a, **k: calls.append(a))
    assert rl_baseline.main(argv) == 0 and calls == []
