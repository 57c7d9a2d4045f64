import numpy as np
import pytest
import torch

from alphago_policy import policy as policy_module
from alphago_policy.policy import (
    Policy,
    WeightsError,
    build,
    load_policy,
    save_weights,
    unwrap,
)


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return build(k=8)


def test_weights_round_trip_in_half_precision(tmp_path, tiny):
    path = tmp_path / "w" / "policy.pt"
    save_weights(tiny, path, {"steps": 5, "validation_accuracy": 0.25})
    policy = load_policy(path)
    assert policy.k == 8 and policy.trained
    assert policy.card == {"steps": 5, "validation_accuracy": 0.25}
    assert "k=8" in policy.description and "5 steps" in policy.description
    for (name, saved), (_, original) in zip(
        policy.model.state_dict().items(), tiny.state_dict().items(), strict=True
    ):
        assert saved.dtype == torch.float32, name
        assert torch.equal(saved, original.half().float()), name
    assert [p.name for p in path.parent.iterdir()] == ["policy.pt"]  # no temporary left behind


def test_untrained_card_is_reported(tmp_path, tiny):
    path = tmp_path / "random.pt"
    save_weights(tiny, path, {"trained": False})
    policy = load_policy(path)
    assert not policy.trained and "untrained (random) network" in policy.description


def test_missing_default_weights_give_a_random_network(tmp_path, monkeypatch):
    monkeypatch.setattr(policy_module, "DEFAULT_WEIGHTS", tmp_path / "absent.pt")
    policy = load_policy()
    assert not policy.trained and policy.k == 192
    assert policy.description == "AlphaGo SL policy k=192, untrained (random) network"


def test_explicit_missing_path_is_an_error(tmp_path):
    with pytest.raises(WeightsError, match=r"absent\.pt: no such weights file.*train"):
        load_policy(tmp_path / "absent.pt")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:00\n", "git lfs pull"),
        (b"not a torch file at all", "cannot read weights"),
    ],
)
def test_unreadable_files_are_errors(tmp_path, content, message):
    path = tmp_path / "policy_k192.pt"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match=message) as error:
        load_policy(path)
    assert str(path) in str(error.value)


def test_foreign_torch_file_is_an_error(tmp_path, tiny):
    path = tmp_path / "state.pt"
    torch.save(tiny.state_dict(), path)
    with pytest.raises(WeightsError, match="not a policy weights file"):
        load_policy(path)


def test_unwrap_and_options(tiny):
    class Wrapper(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

    assert unwrap(Wrapper(tiny)) is tiny
    assert policy_module.options(Wrapper(tiny))["k"] == 8


def test_probabilities_cover_legal_points_only(tiny, fixtures_dir):
    from sgf_data import read_games

    game = next(read_games(fixtures_dir / "games" / "tom-354460.sgf"))
    position = next(p for n, (p, _move) in enumerate(game.replay()) if n == 60).copy()
    policy = Policy(tiny.eval(), False, "test", 8, {})
    probabilities = policy.probabilities(position)
    assert probabilities.shape == (19, 19) and probabilities.dtype == np.float32
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    legal = position.legal_points(position.to_move)
    assert (probabilities[~legal] == 0).all()
    assert (probabilities[legal] > 0).all()
    assert (probabilities[position.stones() != 0] == 0).all()


def test_a_batch_norm_network_is_written_folded_as_the_papers_architecture(tmp_path):
    torch.manual_seed(0)
    trained = build(k=8, batch_norm=True)
    trained(torch.rand(4, 48, 19, 19))  # batch statistics away from their start
    save_weights(trained, tmp_path / "w.pt", {"steps": 1})
    payload = torch.load(tmp_path / "w.pt", weights_only=True)
    assert payload["architecture"] == "alphago_policy"
    assert payload["options"] == {"k": 8, "layers": 13, "planes": 48, "board_size": 19}
    assert not any("_bn" in name for name in payload["state_dict"])
    x = torch.rand(3, 48, 19, 19)
    with torch.no_grad():
        expected = trained.eval()(x)
        got = load_policy(tmp_path / "w.pt").model(x)
    torch.testing.assert_close(got, expected, atol=0.05, rtol=0.01)  # half precision on disk


def test_weights_of_format_1_still_load(tmp_path, tiny):
    state = {name: t.half() for name, t in tiny.state_dict().items()}
    old = {"format": "alphago_policy.weights/1", "k": 8, "card": {}, "state_dict": state}
    torch.save(old, tmp_path / "old.pt")
    assert load_policy(tmp_path / "old.pt").k == 8


def test_non_finite_weights_are_neither_written_nor_loaded(tmp_path, tiny):
    with torch.no_grad():
        tiny.conv2.weight[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"conv2\.weight"):
        save_weights(tiny, tmp_path / "nan.pt", {})
    assert not (tmp_path / "nan.pt").exists()
    state = {name: t.half() for name, t in tiny.state_dict().items()}
    payload = {"format": policy_module.FORMAT, "options": {"k": 8}, "card": {}, "state_dict": state}
    torch.save(payload, tmp_path / "nan.pt")
    with pytest.raises(WeightsError, match="NaN or infinite"):
        load_policy(tmp_path / "nan.pt")


@pytest.mark.parametrize("card", [None, "a note", ["steps", 5]])
def test_a_weights_file_without_a_card_loads(tmp_path, tiny, card):
    """A card of None (or of no known shape) says nothing of the network: it still plays, and
    its name says only what the file holds."""
    path = tmp_path / "no_card.pt"
    save_weights(tiny, path, {})
    payload = torch.load(path, weights_only=True)
    torch.save({**payload, "card": card}, path)
    policy = load_policy(path)
    assert policy.card == {} and policy.description == "AlphaGo SL policy k=8"


def test_the_shipped_network_names_its_test_figure(shipped_policy):
    """GTP `name` and the board say the figure the README does: top-1 on the test games that
    `ship` measured (48.9% on the first 500), not the validation figure of training."""
    overall = shipped_policy.card["test"][-1]
    assert overall["phase"] == "all"
    assert f"{100 * overall['top1']:.1f}% top-1 on test games" in shipped_policy.description
    assert "48.9%" in shipped_policy.description and "validation" not in shipped_policy.description
