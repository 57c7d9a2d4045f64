"""benchmarks/review.py runs end to end (a small network, one game) and writes its page where
told, with the machine, the games and the per-game figures."""

from benchmarks import review


def test_the_review_benchmark_writes_its_page(tiny_weights, tmp_path, one_thread):
    page = tmp_path / "review.md"
    argv = ["--games", "1", "--weights", str(tiny_weights), "--out", str(page)]
    assert review.main(argv) == 0
    text = page.read_text()
    assert text.startswith("# review: a whole game reviewed by the policy network\n\n## cpu\n")
    assert "| tom-106870831 | 296 |" in text and "k=8" in text and "load average" in text
    assert "Seconds per game: " in text and "bfloat16 autocast" in text
