"""Positions straight from game records: the same split as prepare, the same batches whatever
the workers, exact resumption, and batches that mix many games."""

import tarfile
from collections import Counter

import numpy as np
import pytest
import torch

from alphago_policy import encoding
from alphago_policy.layout import split_of
from alphago_policy.positions import Decoder
from alphago_policy.stream import (
    Records,
    Stream,
    StreamSettings,
    Workers,
    first_positions,
    positions_of,
)
from sgf_data.coords import to_index
from sgf_data.features import planes
from sgf_data.reader import read_games


@pytest.fixture(scope="module")
def records(fixtures_dir) -> Records:
    return Records.read([fixtures_dir / "games"])


@pytest.fixture(scope="module")
def pool():
    workers = Workers(2)
    yield workers
    workers.close()


def labels_of(stream: Stream, batches: int) -> list[np.ndarray]:
    return [next(stream)[1].numpy() for _ in range(batches)]


SMALL = StreamSettings(batch_size=64, window_files=6, fractions=(0.5, 0.5, 0.0))


def test_records_are_read_in_canonical_order_from_directories_and_archives(
    fixtures_dir, tmp_path, records
):
    archive = tmp_path / "games.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted((fixtures_dir / "games").glob("*.sgf")):
            tar.add(path, arcname=path.name)
    packed = Records.read([archive])
    assert [f.data for f in packed.files] == [f.data for f in records.files]
    assert packed.fingerprint() == records.fingerprint()
    assert len(records.files) == 24 and not records.unreadable


def test_positions_are_those_of_the_split_as_prepare_computes_them(records):
    codes, labels, plies = positions_of(records.files[:3], "train", (0.5, 0.5, 0.0))
    expected_codes, expected_labels = [], []
    for game in read_games(*[f.source for f in records.files[:3]]):
        if split_of(game.game_id, (0.5, 0.5, 0.0)) != "train":
            continue
        for position, (_, point) in game.replay():
            if point is not None:
                expected_codes.append(encoding.encode(planes(position)))
                expected_labels.append(to_index(point))
    np.testing.assert_array_equal(codes, np.array(expected_codes))
    np.testing.assert_array_equal(labels, expected_labels)
    assert len(plies) == len(labels)


def test_the_batches_do_not_depend_on_the_workers_and_resume_exactly(records, pool):
    whole = Stream(records, SMALL, pool, Decoder())
    expected = labels_of(whole, 40)  # crosses windows and an epoch
    assert whole.position["epoch"] >= 1

    first = Stream(records, SMALL, Workers(0), Decoder())
    got = labels_of(first, 13)
    resumed = Stream(records, SMALL, pool, Decoder(), position=dict(first.position))
    got += labels_of(resumed, 27)
    for a, b in zip(expected, got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_batches_mix_many_games_and_another_seed_gives_another_order(records, pool):
    stream = Stream(records, SMALL, pool, Decoder())
    x, y = next(stream)
    assert x.shape == (64, 48, 19, 19) and x.dtype == torch.float32
    # The positions of a batch come from the window's games, not from one or two.
    codes, _, _ = positions_of(records.files, "train", SMALL.fractions)
    assert len(Counter(y.tolist())) > 30
    other = Stream(records, StreamSettings(**{**SMALL.__dict__, "seed": 1}), pool, Decoder())
    assert not torch.equal(next(other)[1], y)
    assert len(codes) > 1000


def test_symmetries_move_the_label_with_the_stones(records, pool):
    plain = StreamSettings(**{**SMALL.__dict__, "augment": False})
    x, y = next(Stream(records, plain, pool, Decoder()))
    turned_x, turned_y = next(Stream(records, SMALL, pool, Decoder()))
    # Same positions in the same order; the played point is empty in both views.
    for xs, ys in ((x, y), (turned_x, turned_y)):
        empty = xs[:, 2].reshape(len(ys), -1)
        assert bool(empty[torch.arange(len(ys)), ys].all())
    assert torch.equal(x.sum((2, 3)), turned_x.sum((2, 3)))


def test_validation_positions_are_the_first_of_the_split_in_file_order(records, pool):
    _, labels, _ = first_positions(records, "validation", 300, pool, (0.5, 0.5, 0.0))
    assert len(labels) == 300
    first_game = next(
        g
        for g in read_games(*[f.source for f in records.files])
        if split_of(g.game_id, (0.5, 0.5, 0.0)) == "validation"
    )
    moves = [to_index(p) for _, (_, p) in first_game.replay() if p is not None]
    assert labels[: len(moves)].tolist() == moves[:300]


def test_a_split_without_positions_is_an_error_not_a_hang(records):
    none_in_test = StreamSettings(**{**SMALL.__dict__, "split": "test"})
    with pytest.raises(ValueError, match="no position of the test split"):
        next(Stream(records, none_in_test, Workers(0), Decoder()))
