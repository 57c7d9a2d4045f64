"""The symmetries benchmark: one pass over held-out positions, its page saying where it ran."""

from pathlib import Path

import pytest

from alphago_policy.runtime import cpu_has_bf16
from benchmarks import symmetries

HELD_OUT = Path(__file__).resolve().parents[1] / "fixtures" / "held_out"


@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no bf16 instructions")
def test_the_page_counts_the_positions_and_names_the_device(tmp_path, tiny_weights, one_thread):
    out = tmp_path / "symmetries.md"
    argv = ["--data", str(HELD_OUT), "--games", "1", "--weights", str(tiny_weights)]
    argv += ["--latency-positions", "0", "--device", "cpu", "--out", str(out)]
    assert symmetries.main(argv) == 0
    text = out.read_text()
    assert "move prediction computed on the CPU" in text
    positions = int(text.split("- positions: ")[1].split(" ")[0].replace(",", ""))
    assert 50 < positions < 500 and "bfloat16 picks the same move as float32" in text


@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no bf16 instructions")
def test_bf16_only_leaves_the_averaging_out(tmp_path, tiny_weights, one_thread):
    out = tmp_path / "symmetries.md"
    argv = ["--data", str(HELD_OUT), "--games", "1", "--weights", str(tiny_weights), "--bf16-only"]
    assert symmetries.main([*argv, "--latency-positions", "0", "--out", str(out)]) == 0
    text = out.read_text()
    assert "averaged over the 8 symmetries" not in text and "picks the same move" in text
