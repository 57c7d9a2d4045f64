"""game_trees: the same trees as sgfmill's own collection parser on good files, and time and
memory linear in the file on unclosed, deeply nested ones."""

import signal
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
from sgfmill import sgf_grammar

from sgf_data.trees import game_trees

FIXTURE_FILES = sorted((Path(__file__).parents[1] / "fixtures" / "games").glob("*.sgf"))
GAME = b"(;GM[1]SZ[19];B[pd];W[dd])"


@contextmanager
def time_limit(seconds: int):
    """Fail (rather than hang) where the work takes longer than `seconds`."""

    def expire(signum, frame):
        raise TimeoutError(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def seconds_to_read(data: bytes) -> float:
    """The least of three timings of reading every tree of `data` (a busy machine adds)."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        list(game_trees(data))
        timings.append(time.perf_counter() - started)
    return min(timings)


def shape(tree) -> tuple:
    return (tree.sequence, [shape(child) for child in tree.children])


def test_a_collection_gives_the_trees_of_sgfmills_collection_parser():
    data = b"\n".join(path.read_bytes() for path in FIXTURE_FILES)
    expected = [shape(tree) for tree in sgf_grammar.parse_sgf_collection(data)]
    assert [shape(tree) for tree in game_trees(data)] == expected


UNCLOSED = {"bare": b"(;", "games": b"(;SZ[19];B[pd]", "comments": b"(;C[(;(;" + b"x" * 20 + b"]"}


@pytest.mark.parametrize("unit", UNCLOSED.values(), ids=UNCLOSED.keys())
def test_unclosed_nested_trees_take_time_linear_in_the_file(unit):
    with time_limit(60):  # the quadratic reader took 100 s for 10,000 bare "(;" alone
        small = seconds_to_read(unit * 5000)
        large = seconds_to_read(unit * 20000)
    assert large < 8 * small + 0.5  # 4x the data: 4x the time, 16x for a quadratic reader


def test_unclosed_nested_trees_take_memory_bounded_by_a_game():
    tracemalloc.start()
    try:
        trees = list(game_trees(b"(;" * 100_000))  # 200 KB, one game not closed
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [str(tree) for tree in trees] == [
        'no ")" closes the game before the end of the file; the game is not closed, reading goes '
        "on at the next game"
    ]
    assert peak < 1 << 20  # sgfmill's token list alone takes 12 MB


def test_each_unclosed_game_is_one_error_and_the_closed_ones_inside_are_read():
    data = b"(;SZ[19];B[pd]" + GAME * 3 + b"(;SZ[19];B[dd]" + GAME
    kinds = [type(tree).__name__ for tree in game_trees(data)]
    assert kinds == ["ValueError", *["Coarse_game_tree"] * 3, "ValueError", "Coarse_game_tree"]


def test_a_closed_game_with_game_info_in_a_variation_is_one_game():
    data = b"(;SZ[19];B[pd](;SZ[19];W[dd])(;PB[x];W[pp]))" + GAME
    assert [len(tree.children) for tree in game_trees(data)] == [2, 0]


def test_bytes_that_are_not_sgf_end_a_game_and_are_named():
    first, second = list(game_trees(b"(;SZ[19];B[pd] 123 junk " + GAME))
    assert "not SGF at byte 15" in str(first) and second.sequence[1] == {"B": [b"pd"]}
