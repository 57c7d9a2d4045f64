"""The calibration plan: a ladder rung is played ten games at a time until settled."""

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
