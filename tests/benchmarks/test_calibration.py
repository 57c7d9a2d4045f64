"""The calibration plan: a ladder rung is played ten games at a time until settled; the climb
against Pachi stops at the first rung lost and is topped up to 60 games."""

from pathlib import Path

from benchmarks import calibration


def test_a_rung_stops_once_its_interval_leaves_one_half_out(monkeypatch, tmp_path):
    """6 of 10 says nothing yet; 16 of 20 says the network wins more than half: the rung stops
    there, with 20 of its 40 games played."""
    asked, wins = [], {10: 6, 20: 16, 30: 24, 40: 32}
    monkeypatch.setattr(calibration.matches, "run", lambda match, *_: asked.append(match.games))

    def read(planned: calibration.Planned, folder: Path) -> calibration.Result:
        return calibration.Result(
            9, "GNU Go level 10", 3, wins[planned.games], planned.games, folder
        )

    monkeypatch.setattr(calibration, "read_result", read)
    assert not calibration.play_rung(calibration.LADDER[1], tmp_path)
    assert asked == [10, 20]


def test_the_pachi_climb_stops_where_it_loses_and_tops_up_to_60_games(monkeypatch, tmp_path):
    """Even: 10 of 10, settled. Two stones: 18 of 40, not settled, lost: the climb stops there
    with 50 Pachi games, and the rung nearest one half (two stones) gets 10 more."""
    asked, wins = [], {(0, 10): 10, (2, 10): 5, (2, 20): 9, (2, 30): 13, (2, 40): 18}
    monkeypatch.setattr(
        calibration.matches, "run", lambda m, *_: asked.append((m.handicap, m.games)) or 0
    )

    def read(planned: calibration.Planned, folder: Path) -> calibration.Result:
        played = max(games for stones, games in asked if stones == planned.handicap)
        won = wins[planned.handicap, played]  # what the folder holds: the games played
        return calibration.Result(9, "Pachi", planned.handicap, won, played, folder)

    monkeypatch.setattr(calibration, "read_result", read)
    assert calibration.play_pachi(tmp_path) == 0
    assert asked == [(0, 10), (2, 10), (2, 20), (2, 30), (2, 40), (2, 50)]


def test_a_level_moves_a_stone_at_a_time_toward_even(monkeypatch, tmp_path):
    """Level 3 taking 5 stones wins 10 of 10: it takes 4, wins 9 of 10, takes 3, loses 1 of
    10; the even point lies between 4 and 3 stones, and the last rung is played to 40."""
    asked = []
    wins = {(-5, 10): 10, (-4, 10): 9, (-3, 10): 1, (-3, 40): 12}
    monkeypatch.setattr(
        calibration.matches, "run", lambda m, *_: asked.append((-m.handicap, m.games)) or 0
    )

    def read(planned: calibration.Planned, folder: Path) -> calibration.Result:
        played = max(games for stones, games in asked if stones == planned.handicap)
        won = wins[planned.handicap, played]
        return calibration.Result(3, "GNU Go level 1", planned.handicap, won, played, folder)

    monkeypatch.setattr(calibration, "read_result", read)
    assert calibration.play_toward_even(calibration.Planned(3, "gnugo:1", -5), tmp_path) == 0
    assert asked == [(-5, 10), (-4, 10), (-3, 10), (-3, 40)]


def test_a_level_out_of_reach_at_nine_stones_stops_there(monkeypatch, tmp_path):
    """No win in 10 games taking nine stones: no more stones to take, and no more games."""
    asked = []
    monkeypatch.setattr(calibration.matches, "run", lambda m, *_: asked.append(m.games) or 0)
    monkeypatch.setattr(
        calibration,
        "read_result",
        lambda planned, folder: calibration.Result(1, "GNU Go level 1", -9, 0, 10, folder),
    )
    assert calibration.play_toward_even(calibration.Planned(1, "gnugo:1", -9), tmp_path) == 0
    assert asked == [10]


def test_a_level_ranked_only_as_the_one_below_gets_its_range(tmp_path):
    """Level 8 has played only as level 9's opponent: it is ranked below level 9 by that match,
    with a range."""
    found = [
        calibration.Result(9, "GNU Go level 10", 0, 95, 100, tmp_path),
        calibration.Result(9, "level 8", 0, 15, 20, tmp_path),
    ]
    ranks = calibration.fit(found)
    assert ranks["level 8"] < ranks["level 9"]
    low, _, high = calibration.level_interval(8, found, ranks).partition(" to ")
    assert low and high and "level 8" in calibration.page(found)
