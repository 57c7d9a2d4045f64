"""positions: one skip policy for every reader of games, one conversion of codes to tensors."""

import logging

import numpy as np
import torch

from alphago_policy import positions
from alphago_policy.positions import FEATURES_FAILED, Decoder, as_tensors, coded_games
from alphago_policy.stream import Records, positions_of
from sgf_data.reader import read_games

GAMES = ("tom-354460.sgf", "tygem-407331168.sgf")


def test_a_game_whose_features_fail_is_skipped_named_and_kept(fixtures_dir, caplog, monkeypatch):
    paths = [fixtures_dir / "games" / name for name in GAMES]
    planes = positions.planes
    seen = []

    def failing(position):
        seen.append(None)
        if len(seen) == 10:
            raise RuntimeError("a bug in the features")
        return planes(position)

    monkeypatch.setattr(positions, "planes", failing)
    skipped = []
    with caplog.at_level(logging.WARNING, logger="alphago_policy.positions"):
        coded = list(coded_games(read_games(*paths), skipped, first_index=5))
    (skip,) = skipped
    assert [game.game_id for game, _ in coded] == ["tygem-407331168"]
    assert coded[0][1]["games"][0] == 6  # numbered from first_index, the skipped one counted
    assert (skip.source, skip.reason) == (str(paths[0]), FEATURES_FAILED)
    assert skip.detail == "tom-354460: RuntimeError: a bug in the features"
    assert caplog.messages == [f"skipped {skip}"]


def test_the_training_stream_names_a_skipped_game_too(fixtures_dir, caplog, monkeypatch):
    records = Records.read([fixtures_dir / "games" / GAMES[0]])
    monkeypatch.setattr(positions, "planes", lambda position: 1 / 0)
    with caplog.at_level(logging.WARNING, logger="alphago_policy.positions"):
        codes, labels, plies = positions_of(records.files, "train", (1.0, 0.0, 0.0))
    assert codes.shape == (0, 361) and len(labels) == len(plies) == 0
    assert caplog.messages == [
        f"skipped {records.files[0].source}: features failed (tom-354460: ZeroDivisionError: "
        "division by zero)"
    ]


def test_numpy_codes_and_tensors_decode_alike():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 5994, (6, 361)).astype(np.uint16)
    labels, ks = rng.integers(0, 361, 6).astype(np.int16), rng.integers(0, 8, 6)
    decode = Decoder()
    x, y = decode(codes, labels, ks)
    x_tensors, y_tensors = decode(*as_tensors(codes, labels, ks))
    assert torch.equal(x, x_tensors) and torch.equal(y, y_tensors) and y.dtype == torch.int64
    plain, _ = decode(codes, labels)
    assert plain.shape == (6, 48, 19, 19)
    np.testing.assert_array_equal(plain.numpy().astype(np.uint8), positions.encoding.decode(codes))
