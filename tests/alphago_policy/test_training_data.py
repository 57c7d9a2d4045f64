"""Both data sources behind one interface: each process gets its share of the global batch."""

import pytest
import torch

from alphago_policy.prepare import PrepareSettings, prepare
from alphago_policy.runtime import Cluster
from alphago_policy.training_data import GameRecordData, PreparedData, open_data
from alphago_policy.training_settings import Settings

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def sources(tmp_path_factory, fixtures_dir) -> dict[str, str]:
    """The same six fixture games as game records and prepared (all in the train split)."""
    games = sorted((fixtures_dir / "games").glob("*.sgf"))[:6]
    records = tmp_path_factory.mktemp("records")
    for game in games:
        (records / game.name).write_bytes(game.read_bytes())
    prepared = tmp_path_factory.mktemp("prepared")
    settings = PrepareSettings(tuple(map(str, games)), str(prepared), 1, fractions=(1, 0, 0))
    prepare(settings, progress=False)
    return {"records": str(records), "prepared": str(prepared)}


@pytest.mark.parametrize("kind, source", [("records", GameRecordData), ("prepared", PreparedData)])
def test_each_process_gets_its_share_of_the_global_batch(sources, kind, source):
    settings = Settings(data=sources[kind], batch_size=16, workers=0, window_files=6)
    shares = []
    for rank in (0, 1):
        data = open_data(settings, Cluster(rank=rank, world_size=2), torch.device("cpu"))
        assert isinstance(data, source) and data.describe()["path"] == sources[kind]
        x, y = next(data.batches(0, None))
        shares.append(y)
        assert x.shape == (8, 48, 19, 19) and data.validation() == []
        data.close()
    assert not torch.equal(shares[0], shares[1])
