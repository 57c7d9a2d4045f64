"""Review mode and "guess the move" at the board, without a window: real games (a held-out 9-dan
game, a handicap game with passes) and a small seeded network."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alphago_policy import study
from alphago_policy.agreement import review_game
from alphago_policy.game import Game
from alphago_policy.policy import load_policy
from alphago_policy.session import Session
from alphago_policy.study import Answer, Review, Study, leave, score_text, start
from sgf_data.coords import to_gtp

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
HELD_OUT = FIXTURES / "held_out" / "tygem-420587649.sgf"
HANDICAP = FIXTURES / "study" / "gnugo-handicap-4.sgf"


@pytest.fixture(scope="module")
def tiny(tiny_weights, one_thread):
    """The small random network of `tiny_weights`, loaded once for the module."""
    return load_policy(tiny_weights)


def loaded(policy, path: Path, moves: int = 0) -> Session:
    """A session with the game of `path` loaded, shown after `moves` moves."""
    session = Session(Game(policy))
    assert session.load(path)
    study.go_to(session, moves)
    return session


def test_the_study_module_needs_no_pygame():
    code = "import sys; sys.modules['pygame'] = None; import alphago_policy.study"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-800:]


def test_review_mode_shows_each_move_as_the_review_saw_it(tiny):
    session = loaded(tiny, HELD_OUT)
    assert start(session, Review)
    mode = session.mode
    expected = review_game(tiny, session.record)
    assert not session.network_to_play
    for number in (1, 2, 37):
        study.go_to(session, number - 1)
        move = expected.moves[number - 1]
        point = to_gtp(move.point)
        assert mode.status() == (
            f"Review | move {number} {move.colour.upper()} {point}: network "
            f"{study.percent(move.probability)}, rank {move.rank} of {move.legal_count}"
        )
        assert mode.upcoming() == move.point
        heat = mode.probabilities()
        np.testing.assert_array_equal(heat[move.legal], move.probabilities[move.legal])
        assert not heat[~move.legal].any()
    mode.step(1)
    assert session.cursor == 37 and mode.status().startswith("Review | move 38 ")
    mode.step(-1)
    mode.step(-1)
    assert session.cursor == 35
    study.go_to(session, len(session.moves))
    assert mode.current is None and mode.probabilities() is None
    assert mode.status().startswith(f"Review | end of the game, {len(session.moves)} moves")


def test_review_jumps_from_surprise_to_surprise(tiny):
    session = loaded(tiny, HELD_OUT)
    start(session, Review)
    mode = session.mode
    review = session.reviewed
    wanted = sorted(m.number for colour in "bw" for m in review.surprises(colour, study.SURPRISES))
    seen = []
    for _ in wanted:
        mode.jump(1)
        seen.append(session.cursor + 1)
        assert f"Surprise {len(seen)} of {len(wanted)}" in session.message
    assert seen == wanted
    mode.jump(1)
    assert session.cursor + 1 == wanted[-1] and "No surprise after" in session.message
    mode.jump(-1)
    assert session.cursor + 1 == wanted[-2]
    worst = review.surprises("b", 1)[0]
    assert worst.probability == min(
        m.probability for m in review.played_by("b") if m.point is not None
    )


def test_the_review_is_computed_once_per_game_line(tiny, monkeypatch):
    calls = []

    def counted(policy, record):
        calls.append(record)
        return review_game(policy, record)

    monkeypatch.setattr(study, "review_game", counted)
    session = loaded(tiny, HELD_OUT, 20)
    assert start(session, Review) and start(session, Study) and start(session, Review)
    assert len(calls) == 1 and calls[0] is session.record
    leave(session)
    assert session.mode is None and session.browsing and session.cursor == 20
    session.human = "b"
    session.click((9, 9))  # a new move at move 21 replaces the rest of the line
    assert start(session, Review)
    assert len(calls) == 2 and calls[1].moves == tuple(session.moves)
    assert len(session.reviewed.moves) == 21


def test_a_new_board_has_nothing_to_study(tiny):
    session = Session(Game(tiny), human="b")
    assert not start(session, Study) and session.mode is None
    assert "load one (L)" in session.message


def test_guessing_black_answers_and_keeps_score(tiny):
    session = loaded(tiny, HELD_OUT)
    start(session, Study, "b")
    mode = session.mode
    review = session.reviewed
    assert mode.current.number == 1 and "Where does Black play move 1?" in session.message
    assert mode.upcoming() is None and mode.probabilities() is None  # nothing gives it away
    first = review.moves[0]
    mode.click(first.point)  # the right move
    assert session.cursor == 2 and mode.current.number == 3  # White's move 2 played too
    assert session.position.history[:2] == list(session.moves[:2])
    assert "you found it!" in session.message and mode.shown.matched
    third = review.moves[2]
    wrong = next(p for p, _ in third.favourites(20) if p != third.point)
    mode.click(wrong)
    guessed = Answer(third, wrong).guessed
    assert f"you {to_gtp(wrong)} (network {study.percent(guessed.probability)}" in session.message
    assert ("guess", wrong) in mode.marks() and ("played", third.point) in mode.marks()
    letters = [(letter, point) for letter, point in mode.marks() if letter in "ABC"]
    stones = session.position.stones()  # White's move 4 may cover one of them
    assert letters == [
        (study.LETTERS[i], p)
        for i, (p, _) in enumerate(third.favourites(3))
        if p == third.point or not stones[p]
    ]
    assert len(letters) >= 2
    network = (first.rank == 1) + (third.rank == 1)
    top = (first.rank <= 5) + (guessed.rank <= 5)
    assert mode.status() == (
        f"Guess Black's moves | move 5, Black to play | you 1 of 2 (50%), {top} in the "
        f"network's top 5; the network {network} of 2 ({network / 2:.0%})"
    )


def test_an_illegal_guess_is_refused_and_the_move_stays_hidden(tiny):
    session = loaded(tiny, HELD_OUT, 10)
    start(session, Study)
    mode = session.mode
    occupied = session.position.history[0][1]
    mode.click(occupied)
    assert session.cursor == 10 and mode.answers == {}
    assert f"{to_gtp(occupied)} is not a legal move here" in session.message


def test_skip_reveal_and_back(tiny):
    session = loaded(tiny, HELD_OUT)
    start(session, Study)
    mode = session.mode
    review = session.reviewed
    mode.skip()
    assert session.cursor == 1 and mode.shown is None and "Skipped move 1" in session.message
    mode.reveal()
    second = review.moves[1]
    assert session.cursor == 2 and mode.shown == Answer(second, None) and mode.answers == {}
    assert session.message.startswith(f"Move 2 White {to_gtp(second.point)} (network ")
    mode.click(review.moves[2].point)
    mode.click(review.moves[3].point)
    assert sorted(mode.answers) == [3, 4] and "you 2 of 2 (100%)" in mode.status()
    mode.back()
    assert session.cursor == 3 and sorted(mode.answers) == [3] and mode.shown is None
    mode.back()
    mode.back()
    assert session.cursor == 1 and mode.answers == {}
    assert score_text(mode.answers.values()) == "no guesses yet"


def test_a_player_who_guesses_the_networks_choice_agrees_as_the_network(tiny):
    """Over the whole game, guessing the network's favourite every time scores the network's
    own top-1 agreement, and every guess is in its top 5."""
    session = loaded(tiny, HELD_OUT)
    start(session, Study, "w")
    mode = session.mode
    while mode.current is not None:
        mode.click(mode.current.favourites(1)[0][0])
    whites = [m for m in session.reviewed.played_by("w") if m.point is not None]
    agree = sum(m.rank == 1 for m in whites)
    count = len(whites)
    assert f"you {agree} of {count}" in mode.status()
    assert f"{count} in the network's top 5; the network {agree} of {count}" in mode.status()
    assert session.message.endswith(study.END) and session.cursor == len(session.moves)


def test_a_handicap_game_with_passes(tiny):
    """White moves first after the stones; the passes are played, never asked."""
    session = loaded(tiny, HANDICAP)
    start(session, Study, "bw")
    mode = session.mode
    assert mode.current.colour == "w" and mode.current.number == 1
    asked = []
    while mode.current is not None:
        asked.append(mode.current.number)
        mode.reveal()
    played = [n for n, (_, point) in enumerate(session.moves, start=1) if point is not None]
    assert asked == played and len(played) < len(session.moves)


def test_the_colour_key_goes_both_black_white(tiny):
    session = loaded(tiny, HELD_OUT)
    start(session, Study)
    mode = session.mode
    assert mode.status().startswith("Guess both players' moves")
    mode.cycle_colours()
    assert mode.colours == "b" and mode.current.colour == "b"
    mode.cycle_colours()
    assert mode.colours == "w" and mode.current.colour == "w" and session.cursor == 1
    mode.cycle_colours()
    assert mode.colours == "bw"


def test_starting_within_the_game_answers_the_last_move(tiny):
    session = loaded(tiny, HELD_OUT, 40)
    start(session, Study, "b")
    mode = session.mode
    move40 = session.reviewed.moves[39]
    assert move40.colour == "w"  # White's move: not answered, Black's 39 neither
    assert mode.shown is None and session.cursor == 40
    session = loaded(tiny, HELD_OUT, 41)
    start(session, Study, "b")
    assert session.mode.shown == Answer(session.reviewed.moves[40], None)
    assert session.cursor == 42 and session.message.startswith("Move 41 Black")
