"""The analysis GUIs draw: win rates and scores only where the playouts can tell them."""

from __future__ import annotations

import pytest

from alphago_policy.analysis import UNKNOWN, Analysis
from alphago_policy.game import Game
from alphago_policy.policy import Policy
from sgf_data import read_games

pytestmark = pytest.mark.usefixtures("one_thread")


def finished(policy: Policy, fixtures_dir, moves: int | None = None) -> Game:
    """A professional game played out to the end and counted (Black won by 4.5), after
    `moves` moves (default: all), with `policy` as the network."""
    (record,) = read_games(fixtures_dir / "games" / "tom-377265.sgf")
    assert record.result == "B+4.5"
    game = Game(policy, seed=0)
    game.load(record, moves)
    return game


def test_an_open_game_gets_no_win_rate_or_score(shipped_policy, fixtures_dir):
    """At move 30 random playouts cannot tell who wins: every move reads 0.5 and 0 points,
    while the visits still follow the network's priors."""
    game = finished(shipped_policy, fixtures_dir, 30)
    analysis = Analysis(game, game.position.to_move, 10)
    analysis.step()
    assert not analysis.late
    assert all(analysis.verdict(candidate) == UNKNOWN for candidate in analysis.candidates)
    assert all(candidate.visits > 0 for candidate in analysis.candidates)


def test_the_end_of_a_played_out_game_gets_the_playouts_verdict(shipped_policy, fixtures_dir):
    """At the end the loser's (White's) moves lose by about the count's margin."""
    analysis = Analysis(finished(shipped_policy, fixtures_dir), "w", 5)
    for _ in range(3):
        analysis.step()
    assert analysis.late
    best = analysis.verdict(analysis.candidates[0])
    assert best.winrate < 0.5 and best.lcb <= best.winrate
    assert -10 < best.score_lead < 0 and best.score_stdev > 0
