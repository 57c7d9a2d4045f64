"""The layout of a prepared directory: the split of a game by a hash of its id."""

from collections import Counter

from alphago_policy.layout import split_of


def test_split_is_a_stable_hash_with_the_fractions():
    assert [split_of(f"game-{i}") for i in range(6)] == [split_of(f"game-{i}") for i in range(6)]
    counts = Counter(split_of(f"kgs-{i}") for i in range(20000))
    assert abs(counts["train"] / 20000 - 0.90) < 0.01
    assert abs(counts["validation"] / 20000 - 0.05) < 0.005
    assert abs(counts["test"] / 20000 - 0.05) < 0.005
    assert {split_of(f"kgs-{i}", (0.5, 0.5, 0.0)) for i in range(100)} == {"train", "validation"}
