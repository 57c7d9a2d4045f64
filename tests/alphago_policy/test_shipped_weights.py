"""The shipped network (alphago_policy/weights/policy.pt): present, honest about itself, and
a Go player: it opens on the corner points and predicts held-out experts' moves."""

from itertools import islice

import numpy as np

from alphago_policy import evaluate as ev
from alphago_policy.layout import split_of
from sgf_data import read_games
from sgf_data.board import Position

# tests/fixtures/held_out: real games of both servers from the test split, which training
# never reads (whatever collection a network is trained on, the split is by game id).
HELD_OUT = "held_out"


def test_the_card_says_what_it_is_and_where_it_was_trained(shipped_policy):
    card = shipped_policy.card
    assert shipped_policy.trained and card["steps"] > 0
    assert card["positions"] == card["steps"] * card["settings"]["batch_size"]
    assert card["settings"]["k"] == shipped_policy.k
    assert 0 < card["validation_accuracy"] < 1
    assert f"trained on {card['machine']}" in shipped_policy.description
    assert card["train_seconds"] > 0
    overall = card["test"][-1]  # written by `python -m alphago_policy ship`
    assert overall["phase"] == "all" and overall["positions"] > 10_000
    assert 0 < overall["top1"] < overall["top5"] < 1


def test_it_opens_on_the_corner_points(shipped_policy):
    probabilities = shipped_policy.probabilities(Position())
    top = np.argsort(-probabilities, axis=None)[:8]
    lines = [sorted(min(v, 18 - v) + 1 for v in divmod(int(i), 19)) for i in top]
    assert all(line in ([3, 3], [3, 4], [4, 4]) for line in lines), lines
    assert probabilities.reshape(-1)[top].sum() > 0.5


def test_the_held_out_games_are_test_split_games(fixtures_dir):
    games = list(read_games(fixtures_dir / HELD_OUT))
    assert len(games) >= 10 and {split_of(game.game_id) for game in games} == {"test"}


def test_it_predicts_held_out_expert_moves(shipped_policy, fixtures_dir):
    skipped: list[str] = []
    games = islice(read_games(fixtures_dir / HELD_OUT), 5)  # a k=192 forward pass is not cheap
    batches = ev.decoded(ev.rebatched(ev.game_arrays(games, skipped), 256), "cpu")
    overall = ev.evaluate(shipped_policy.model, batches).rows()[-1]
    assert not skipped and overall["positions"] > 1000
    # A uniform guess over the legal points gets about 0.5% top-1.
    assert overall["top1"] > 0.3 and overall["top5"] > 0.6, overall
