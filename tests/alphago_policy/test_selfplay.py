import numba
import numpy as np
import pytest
import torch

from alphago_policy.policy import build
from alphago_policy.selfplay import (
    PASS,
    Boards,
    Precision,
    alternating_colours,
    play_games,
    play_match,
    set_engine_threads,
    unpack,
)
from sgf_data.board import BLACK, WHITE, Position, sensible_mask
from sgf_data.coords import from_index
from sgf_data.features import planes
from sgf_data.scoring import area

pytestmark = pytest.mark.usefixtures("one_thread", "one_engine_thread")


@pytest.fixture(scope="module")
def one_engine_thread():
    """The games' rules on one numba thread: a parallel launch per ply costs more than a few
    games' moves, and the test machine's cores are shared."""
    threads = numba.get_num_threads()
    set_engine_threads(1)
    yield
    set_engine_threads(threads)


FLOAT32 = Precision(bf16=False)


def tiny(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build(k=4).eval()


def test_the_batched_engine_plays_and_sees_as_the_rules_engine():
    boards, positions = Boards(3), [Position() for _ in range(3)]
    rng = np.random.default_rng(0)
    for _ in range(80):
        moves = np.full(3, PASS)
        for i, position in enumerate(positions):
            assert (boards.planes[i] == planes(position).reshape(48, -1)).all()
            sensible = np.flatnonzero(boards.planes[i, 46])
            moves[i] = rng.choice(sensible)
            position.play(position.to_move, from_index(int(moves[i])))
        boards.play(moves)
    assert boards.plies.tolist() == [80, 80, 80]
    for i, position in enumerate(positions):
        assert (boards.arrays.colour[i] == position.state.colour).all()


def test_games_end_when_neither_side_has_a_sensible_move_and_are_counted_by_area():
    torch.manual_seed(0)
    games = play_games(tiny(1), tiny(2), alternating_colours(2), FLOAT32)
    assert not games.capped.any()
    assert (games.plies > 200).all()
    for stones, margin in zip(games.stones, games.black_margin, strict=True):
        # the final board set up anew: no sensible move is left, and the count is area's
        black, white = ([from_index(int(p)) for p in np.flatnonzero(stones == c)] for c in (1, 2))
        final = Position.from_setup(black, white)
        assert not sensible_mask(final.state, BLACK).any()
        assert not sensible_mask(final.state, WHITE).any()
        assert margin == area(final).sum() - 7.5
        assert 100 < len(black) + len(white) < 361  # a real game: stones, and eyes left empty


def test_recorded_moves_are_the_first_networks_and_were_sensible():
    torch.manual_seed(0)
    first_black = np.array([True, False])
    games = play_games(tiny(1), tiny(2), first_black, FLOAT32, max_moves=30, record=True)
    assert games.capped.all() and (games.plies == 30).all()
    packed, moves, owners = games.record.arrays()
    assert len(moves) == 30  # 15 moves of the first network in each game, none a pass
    assert (moves != PASS).all()
    positions = unpack(packed)
    assert positions[np.arange(len(moves)), 46, moves].all()  # each was a sensible point
    assert sorted(np.bincount(owners).tolist()) == [15, 15]


def test_a_match_alternates_colours_and_gives_the_wins_with_their_interval():
    torch.manual_seed(0)
    result = play_match(tiny(1), tiny(1), games=6, batch=4, precision=FLOAT32, max_moves=20)
    assert result.games == 6 and 0 <= result.wins <= 6
    assert result.plies == 6 * 20 and result.capped == 6
    low, high = result.interval
    assert low <= result.win_rate <= high
    summary = result.summary()
    assert summary["wins"] == result.wins and summary["mean_plies"] == 20


def test_the_same_seed_plays_the_same_games():
    def games():
        torch.manual_seed(3)
        return play_games(tiny(1), tiny(2), alternating_colours(4), FLOAT32, max_moves=50)

    a, b = games(), games()
    assert (a.stones == b.stones).all() and (a.black_margin == b.black_margin).all()
