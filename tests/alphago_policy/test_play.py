"""The pygame board, headless: layout maths, the session's game logic, events and a screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame is imported: no window needed
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np
import pygame
import pytest

from alphago_policy import play
from alphago_policy.game import Game
from alphago_policy.policy import load_policy
from sgf_data import read_games

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.fixture
def session(policy):
    return play.Session(Game(policy), human="b")


@pytest.fixture
def app(session):
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((800, 896), pygame.RESIZABLE)
    yield play.App(screen, session)
    pygame.quit()


@pytest.mark.parametrize("size", [(800, 896), (500, 400), (1280, 700)])
def test_layout_maps_every_point_to_its_pixel_and_back(size):
    layout = play.Layout.fit(*size)
    for row in range(19):
        for col in range(19):
            x, y = layout.pixel((row, col))
            assert layout.point_at(x, y) == (row, col)
            assert layout.point_at(x + 0.4 * layout.spacing, y - 0.4 * layout.spacing) == (row, col)
            assert 0 <= x < size[0] and 0 <= y < size[1] - play.PANEL_HEIGHT


def test_click_plays_and_the_network_answers(session):
    session.click((3, 3))
    assert session.network_to_play and session.update()
    assert [colour for colour, _ in session.position.history] == ["b", "w"]
    assert session.position.history[1][1] not in (None, (3, 3))
    assert session.moves == session.position.history
    assert not session.update()  # nothing due until the human moves again


def test_illegal_click_is_refused_with_the_reason(session):
    session.click((3, 3))
    session.update()
    session.click((3, 3))
    assert "occupied" in session.message and len(session.position.history) == 2
    assert not session.network_to_play


def test_pass_undo_resign_new_game(session):
    session.click((3, 3))
    session.update()
    session.undo()
    assert session.position.history == [] and session.moves == []
    session.pass_move()  # on the empty board White wins by komi: the network passes too
    assert session.update()
    assert session.result is not None and "area count" in session.message
    session.click((3, 3))
    assert "Game over" in session.message
    assert session.position.history == [("b", None), ("w", None)]
    session.new_game()
    assert session.result is None and session.position.history == []
    session.resign()
    assert session.result == "W+R"


def play_moves(session, count: int) -> None:
    """The human plays `count` moves on empty points of the 4th line, the network answers."""
    points = iter((3, col) for col in range(19))
    for _ in range(count):
        point = next(p for p in points if session.position.colour_at(p) is None)
        session.click(point)
        assert session.update()


def test_human_as_white_lets_the_network_open(policy):
    session = play.Session(Game(policy), human="w")
    assert session.update() and session.position.history[0][0] == "b"


def test_save_load_and_step_through(session, tmp_path):
    play_moves(session, 3)
    path = session.save(tmp_path)
    loaded = play.Session(Game(session.game.policy), human="b")
    loaded.load(path)
    assert loaded.moves == session.moves and loaded.cursor == 6
    loaded.step(-1)
    loaded.step(-1)
    assert loaded.cursor == 4 and loaded.next_move == session.moves[4]
    assert not loaded.update()  # stepping never makes the network move
    loaded.step(1)
    assert loaded.cursor == 5 and loaded.position.to_move == "w"
    loaded.step(-1)
    point = next(p for p in ((9, 9), (9, 10)) if loaded.position.colour_at(p) is None)
    loaded.click(point)  # a move before the end of the record replaces the rest
    assert loaded.moves == [*session.moves[:4], ("b", point)]
    assert "PW[AlphaGo SL policy" in path.read_text() and "PB[Human]" in path.read_text()


def test_load_a_real_game(session, fixtures_dir):
    session.load(fixtures_dir / "games" / "tom-354460.sgf")
    assert session.cursor == len(session.moves) > 50
    probabilities = session.probabilities()
    assert probabilities.shape == (19, 19) and abs(probabilities.sum() - 1) < 1e-4
    assert (probabilities[session.position.stones() != 0] == 0).all()


def test_start_menu_then_events(policy):
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((800, 896), pygame.RESIZABLE)
        app = play.App(screen, play.Session(Game(policy)))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_b))
        app.step()
        assert app.session.human == "b"
        x, y = app.layout.pixel((15, 3))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(x, y)))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h))
        app.step()
        assert app.session.position.history == [("b", (15, 3))] and not app.session.heatmap
        pygame.display.set_mode((600, 500), pygame.RESIZABLE)
        pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=(600, 500), w=600, h=500))
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        app.step()
        assert app.layout == play.Layout.fit(600, 500, app.panel_height) and not app.running
    finally:
        pygame.quit()


def test_screenshot_shows_stones_and_heat_map(app, tmp_path):
    session = app.session
    app.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=app.layout.pixel((3, 3))))
    assert session.update()
    play_moves(session, 2)
    app.draw()
    path = tmp_path / "board.png"
    pygame.image.save(app.screen, str(path))
    image = pygame.image.load(str(path))

    def colour(point, dx=0.0, dy=0.0):
        x, y = app.layout.pixel(point)
        spacing = app.layout.spacing
        return tuple(image.get_at((round(x + dx * spacing), round(y + dy * spacing))))[:3]

    black = [move[1] for move in session.position.history if move[0] == "b"]
    white = [move[1] for move in session.position.history if move[0] == "w"]
    for point in black:
        assert max(colour(point, 0.3)) < 60
    for point in white:
        assert min(colour(point, 0.3)) > 200
    probabilities = session.probabilities()
    order = np.argsort(-probabilities, axis=None)
    unlabelled = divmod(int(order[play.LABELLED_MOVES]), 19)  # a disc without a label on it
    assert probabilities[unlabelled] >= 0.001
    assert colour(unlabelled, 0.12, 0.12) != play.WOOD
    app.key(pygame.K_h)
    app.draw()
    x, y = app.layout.pixel(unlabelled)
    spacing = app.layout.spacing
    pixel = (round(x + 0.12 * spacing), round(y + 0.12 * spacing))
    assert tuple(app.screen.get_at(pixel))[:3] == play.WOOD


def test_command_line_screenshot_of_a_game_at_a_chosen_move(fixtures_dir, tmp_path, policy):
    record = fixtures_dir / "games" / "tom-354460.sgf"
    path = tmp_path / "board.png"
    argv = ["--colour", "b", "--sgf", str(record), "--move", "20", "--screenshot", str(path)]
    assert play.main([*argv, "--size", "640", "736"]) == 0
    image = pygame.image.load(str(path))
    assert image.get_size() == (640, 736)
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((640, 736))
    layout = play.App(screen, play.Session(Game(policy), human="b")).layout  # the same panel
    pygame.quit()
    moves = [move for move in next(read_games(record)).moves if move[1] is not None]
    for colour, point in moves[:20]:
        x, y = layout.pixel(point)
        shade = max(tuple(image.get_at((round(x + 0.3 * layout.spacing), round(y))))[:3])
        assert (shade < 60) == (colour == "b"), (colour, point)


@pytest.mark.gnugo
def test_a_whole_game_on_the_board_with_the_heat_map(app, weak_gnugo):
    """GNU Go is the human: its moves are clicks (and P for a pass) on the board, drawn with
    the heat map after every move, until both sides pass; the board counts the result."""
    from sgf_data.coords import from_gtp, to_gtp

    session = app.session
    session.game.playouts = 64  # enough to end the game; the test plays hundreds of moves
    human = weak_gnugo
    human.send(f"komi {session.game.komi:g}")
    for _ in range(400):  # moves by each side, at most
        vertex = human.send("genmove b")
        point = None if vertex.lower() in ("pass", "resign") else from_gtp(vertex)
        if point is None:
            app.key(pygame.K_p)
        else:
            event = dict(button=1, pos=app.layout.pixel(point))
            app.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, **event))
        assert session.position.history[-1] == ("b", point), session.message
        app.draw()
        if session.result is None:
            assert session.update()
            human.send(f"play w {to_gtp(session.position.history[-1][1])}")
            app.draw()
        if session.result is not None:
            break
    assert session.result is not None, "no two passes in 800 moves"
    assert session.result.startswith(("B+", "W+")) and session.result in session.message
    assert session.moves == session.position.history


def test_without_pygame_the_board_says_how_to_get_it():
    """pygame is the `play` extra: without it the command says what to install, no traceback."""
    hide = "import sys; sys.modules['pygame'] = None; from alphago_policy.__main__ import main"
    done = subprocess.run(
        [sys.executable, "-c", f"{hide}; sys.exit(main(['play']))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "alphago-policy[play]" in done.stderr and "Traceback" not in done.stderr


def test_g_lets_the_network_play_and_the_game_goes_on(session):
    session.ask_network()  # the human's move, by the network
    assert session.update() and session.position.history[-1][0] == "b"
    assert session.update() and session.position.history[-1][0] == "w"  # its own answer
    assert not session.update() and not session.network_to_play  # the human's turn again
    session.click(next(p for p in ((3, 3), (3, 4)) if session.position.colour_at(p) is None))
    assert session.update()


def test_undo_at_move_one_as_white_lets_the_network_open_again(policy):
    session = play.Session(Game(policy), human="w")
    assert session.update()
    session.undo()
    assert session.position.history == [] and session.network_to_play
    assert session.update() and session.position.history[0][0] == "b"


def test_ownership_key_and_the_count_at_the_end(app, fixtures_dir):
    """O shows the playouts' ownership at any time; a human who passes gets a game that ends;
    then the board shows the count: each side's area, the dead stones crossed out, the score."""
    session = app.session
    session.load(fixtures_dir / "games" / "tom-377265.sgf")  # played out; White to move
    session.choose_colour("w")
    app.key(pygame.K_o)
    assert session.ownership and "Ownership from" in session.message
    app.draw()
    owners, _ = session.owners()
    empty = session.position.stones() == 0
    spot = tuple(np.argwhere(empty & (np.abs(owners) > 0.95))[0])
    shade = tuple(app.screen.get_at(app.layout.pixel(spot)))[:3]
    assert max(shade) < 90 if owners[spot] > 0 else min(shade) > 180
    app.key(pygame.K_o)
    for _ in range(60):  # the human passes until the network, done too, passes
        session.pass_move()
        if session.result is None:
            assert session.update()
        if session.result is not None:
            break
    assert session.position.history[-2:] == [("w", None), ("b", None)]
    assert session.result[:2] in ("B+", "W+") and "dead stones" in session.message
    app.draw()
    _, dead = session.owners()
    assert dead
    x, y = app.layout.pixel(dead[0])
    arm = round(app.layout.spacing * 0.25)
    assert tuple(app.screen.get_at((x + arm - 1, y + arm - 1)))[:3] == play.LAST_MOVE


def board(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m alphago_policy play ARGS` as a user starts it, without a display unless
    `env` gives one."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    clean.pop("SDL_VIDEODRIVER")
    return subprocess.run(
        [sys.executable, "-m", "alphago_policy", "play", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "no display"),
        (("--sgf", "missing.sgf"), "missing.sgf: no such file"),
        (("--screenshot", "no/such/folder/board.png"), "the folder no/such/folder does not exist"),
        (("--save-dir", "no/such/folder"), "--save-dir no/such/folder: no such folder"),
    ],
)
def test_a_board_that_cannot_start_says_why_in_one_line(args, said):
    done = board(*args)
    assert done.returncode == 1
    assert said in done.stderr and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_an_sgf_that_is_not_a_game_is_one_line_too(tmp_path):
    (tmp_path / "notes.txt").write_text("not a game")
    done = board("--sgf", str(tmp_path / "notes.txt"), SDL_VIDEODRIVER="dummy")
    assert done.returncode == 1 and "notes.txt" in done.stderr and "Traceback" not in done.stderr


def test_help_lists_the_keys():
    done = board("--help")
    assert done.returncode == 0
    keys = done.stdout.split("keys:", 1)[1]
    for key, _, what in play.KEYS:
        assert f"{key} " in keys and what in keys


def test_the_first_launch_says_it_is_warming_up(app, capsys):
    seen = []
    app.wait_for(lambda: seen.append(app.session.message) or 1.5)
    assert seen[0].startswith("Warming up") and app.session.message != seen[0]
    err = capsys.readouterr().err
    assert "warming up" in err and "ready (1.5 s)" in err


@pytest.mark.parametrize("size", [(500, 620), (700, 700), (780, 900)])
def test_the_panel_wraps_to_a_narrow_window(session, size):
    pygame.display.init()
    pygame.font.init()
    try:
        app = play.App(pygame.display.set_mode(size), session)
        session.message = "Loaded a-long-file-name.sgf: " + "a very long player name " * 6
        lines = app.panel_lines()
        assert all(app.panel_font.size(line)[0] <= size[0] - 20 for line, _ in lines)
        assert size[1] - app.panel_height + 6 + play.PANEL_LINE * len(lines) <= size[1]
        assert app.layout.top + 18.5 * app.layout.spacing <= size[1] - app.panel_height
    finally:
        pygame.quit()


def test_chinese_japanese_korean_names_are_drawn(app):
    if play.cjk_font() is None:
        pytest.skip("no font with Chinese, Japanese and Korean characters installed")
    assert not app.lacks_glyphs("荒村萧寺 楚阳春 囲碁 바둑")


def test_without_such_a_font_the_board_says_so_once(session, monkeypatch, capsys):
    monkeypatch.setattr(play, "cjk_font", lambda: None)
    pygame.display.init()
    pygame.font.init()
    try:
        app = play.App(pygame.display.set_mode((800, 896)), session)
        session.message = "Loaded tom-377265.sgf: 荒村萧寺 vs 楚阳春, B+4.5"
        app.draw()
        app.draw()
    finally:
        pygame.quit()
    err = capsys.readouterr().err
    assert err.count("fonts-noto-cjk") == 1 and "荒村萧寺" in err


def test_the_gnugo_game_is_skipped_without_gnugo():
    """The README's test command must pass where GNU Go is missing: the whole-game test asks
    for GNU Go through the fixture that skips."""
    hide = (
        "import sys, pytest, benchmarks.gnugo as g; g.find_gnugo = lambda: None; "
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-k', 'whole_game', "
        "'tests/alphago_policy/test_play.py']))"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(
        [sys.executable, "-c", hide], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout[-500:]
