"""The split, the 8 symmetries on real positions, the dataset and the loader's stream."""

import json
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
import torch

from alphago_policy import encoding
from alphago_policy.dataset import PositionDataset, make_loader
from alphago_policy.layout import MANIFEST, SPLITS
from alphago_policy.prepare import PrepareSettings, prepare
from alphago_policy.symmetries import symmetry
from sgf_data.coords import to_index
from sgf_data.features import planes
from sgf_data.reader import read_games


@pytest.fixture(scope="module")
def data_dir(fixtures_dir, tmp_path_factory) -> Path:
    """All fixture games, prepared."""
    out = tmp_path_factory.mktemp("data")
    settings = PrepareSettings((str(fixtures_dir / "games"),), str(out), workers=1)
    prepare(settings, progress=False)
    return out


@pytest.fixture(scope="module")
def train(data_dir) -> PositionDataset:
    return PositionDataset(data_dir, "train")


def test_dataset_gives_each_positions_codes_label_game_and_move_number(data_dir, train):
    manifest = json.loads((data_dir / MANIFEST).read_text())
    assert len(train) == manifest["splits"]["train"]["positions"] > 4000
    games = {game.game_id: game for game in read_games(*manifest["sources"])}
    for index in (0, 1234, len(train) - 1):
        codes, label = train[index]
        game_id, ply = train.game(index)
        position, (_, point) = next(islice(games[game_id].replay(), ply, None))
        assert label == to_index(point)
        np.testing.assert_array_equal(train.planes(index), planes(position))
        assert (train.gather(np.array([index]))[0] == codes).all()
    with pytest.raises(IndexError):
        train[len(train)]


def test_dataset_errors_name_the_directory(tmp_path, data_dir):
    with pytest.raises(FileNotFoundError, match="prepare"):
        PositionDataset(tmp_path, "train")
    with pytest.raises(ValueError, match="unknown split"):
        PositionDataset(data_dir, "dev")


def take(loader, n):
    return [next(loader) for _ in range(n)]


def test_batches_are_float_planes_and_move_labels(data_dir):
    x, y = next(make_loader(data_dir, "train", 32, seed=3))
    assert x.shape == (32, 48, 19, 19) and x.dtype == torch.float32 and x.is_contiguous()
    assert y.shape == (32,) and y.dtype == torch.int64 and y.min() >= 0 and y.max() < 361
    assert set(x.unique().tolist()) == {0.0, 1.0} and (x[:, 3] == 1).all()
    x16, _ = next(make_loader(data_dir, "train", 32, seed=3, dtype=torch.bfloat16))
    assert x16.dtype == torch.bfloat16 and torch.equal(x16.float(), x)
    x_cl, _ = next(make_loader(data_dir, "train", 32, seed=3, channels_last=True))
    assert x_cl.is_contiguous(memory_format=torch.channels_last) and torch.equal(x_cl, x)


def test_augmented_batch_is_the_symmetry_of_the_stored_positions(data_dir, train):
    loader = make_loader(data_dir, "train", 64, seed=5)
    x, y = next(loader)
    indices = loader.rank_indices(0)[:64]
    _, _, ks = loader.raw_batch(0)
    assert len(set(ks.tolist())) > 4
    for j, index in enumerate(indices):
        expected, label = symmetry(train.planes(index), train[index][1], ks[j])
        np.testing.assert_array_equal(x[j].numpy(), expected)
        assert y[j] == label


def test_stream_is_deterministic_and_resumes_at_any_batch(data_dir):
    first = make_loader(data_dir, "train", 256, seed=7)
    per_epoch = first.batches_per_epoch
    batches = take(first, per_epoch + 2)
    again = take(make_loader(data_dir, "train", 256, seed=7), 3)
    assert all(
        torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
        for a, b in zip(again, batches[:3], strict=True)
    )
    resumed = take(make_loader(data_dir, "train", 256, seed=7, start_batch=per_epoch - 1), 3)
    for a, b in zip(resumed, batches[per_epoch - 1 :], strict=True):
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    other = next(make_loader(data_dir, "train", 64, seed=8))
    assert not torch.equal(other[1], batches[0][1])


def test_one_epoch_without_shuffle_or_augmentation_is_the_dataset_in_order(data_dir, train):
    loader = make_loader(
        data_dir, "train", 500, augment=False, shuffle=False, epochs=1, drop_last=False
    )
    labels = torch.cat([y for _, y in loader])
    assert len(loader) == loader.batches_per_epoch == -(-len(train) // 500)
    expected = train.gather(np.arange(len(train)), "labels")
    assert labels.tolist() == expected.tolist()


def test_shuffled_epoch_visits_every_position_once(data_dir, train):
    loader = make_loader(data_dir, "train", 100, seed=1, epochs=1, drop_last=False)
    assert sorted(loader.rank_indices(0).tolist()) == list(range(len(train)))
    labels = [loader.raw_batch(b)[1] for b in range(len(loader))]
    assert sorted(np.concatenate(labels).tolist()) == sorted(
        train.gather(np.arange(len(train)), "labels").tolist()
    )


def test_ranks_get_disjoint_equal_shares(data_dir, train):
    shares = [
        make_loader(data_dir, "train", 64, seed=2, rank=r, world_size=3).rank_indices(0)
        for r in range(3)
    ]
    assert len({len(s) for s in shares}) == 1 and len(shares[0]) == len(train) // 3
    assert len(set(np.concatenate(shares).tolist())) == 3 * len(shares[0])
    with pytest.raises(ValueError, match="rank"):
        make_loader(data_dir, "train", 64, rank=3, world_size=3)


def test_positions_of_one_game_do_not_arrive_together(data_dir, train):
    """Pairs in a batch share a game about as often as random pairs do, not as in file order."""
    games = train.gather(np.arange(len(train)), "games")
    shares = np.bincount(games) / len(games)
    random_pairs = float((shares**2).sum())

    def same_game_pairs(loader):
        rates = []
        for batch in range(10):
            indices = loader.rank_indices(0)[batch * 128 : (batch + 1) * 128]
            g = games[indices]
            rates.append((g[:, None] == g[None, :]).sum() - len(g))
        return np.sum(rates) / (10 * 128 * 127)

    shuffled = same_game_pairs(make_loader(data_dir, "train", 128, seed=4))
    in_order = same_game_pairs(make_loader(data_dir, "train", 128, shuffle=False))
    assert shuffled < 1.5 * random_pairs
    assert in_order > 0.5


def test_too_small_a_split_for_one_batch_is_a_clear_error(data_dir):
    manifest = json.loads((data_dir / MANIFEST).read_text())
    small = min(SPLITS, key=lambda s: manifest["splits"][s]["positions"])
    size = manifest["splits"][small]["positions"] + 1
    with pytest.raises(ValueError, match="make no batch"):
        make_loader(data_dir, small, size)


def test_encoding_version_is_checked(data_dir, tmp_path):
    manifest = json.loads((data_dir / MANIFEST).read_text())
    manifest["encoding_version"] = encoding.ENCODING_VERSION + 1
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="encoding version"):
        PositionDataset(tmp_path, "train")
