"""The board's window and its command line, headless: events, drawing, fonts, screenshots."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame is imported: no window needed
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np
import pygame
import pytest

from alphago_policy import board_view, play, study
from alphago_policy.agreement import review_game
from alphago_policy.board_view import BoardGeometry
from alphago_policy.game import Game
from alphago_policy.policy import load_policy
from alphago_policy.session import Session
from alphago_policy.study import Review, Study
from sgf_data import read_games
from sgf_data.coords import to_gtp
from tests.alphago_policy.test_session import play_moves

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ROOT / "tests" / "fixtures" / "held_out" / "tygem-420491975.sgf"
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def session(shipped_policy):
    return Session(Game(shipped_policy), human="b")


@pytest.fixture
def app(session):
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((800, 896), pygame.RESIZABLE)
    yield play.App(screen, session)
    pygame.quit()


def test_start_menu_then_events(shipped_policy):
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((800, 896), pygame.RESIZABLE)
        app = play.App(screen, Session(Game(shipped_policy)))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_b))
        app.step()
        assert app.session.human == "b"
        x, y = app.geometry.pixel((15, 3))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(x, y)))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h))
        app.step()
        assert app.session.position.history == [("b", (15, 3))] and not app.session.heatmap
        pygame.display.set_mode((600, 500), pygame.RESIZABLE)
        pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=(600, 500), w=600, h=500))
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        app.step()
        assert app.geometry == BoardGeometry.fit(600, 500, app.panel_height) and not app.running
    finally:
        pygame.quit()


def test_screenshot_shows_stones_and_heat_map(app, tmp_path):
    session = app.session
    app.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=app.geometry.pixel((3, 3))))
    assert session.update()
    play_moves(session, 2)
    app.draw()
    path = tmp_path / "board.png"
    pygame.image.save(app.screen, str(path))
    image = pygame.image.load(str(path))

    def colour(point, dx=0.0, dy=0.0):
        x, y = app.geometry.pixel(point)
        spacing = app.geometry.spacing
        return tuple(image.get_at((round(x + dx * spacing), round(y + dy * spacing))))[:3]

    black = [move[1] for move in session.position.history if move[0] == "b"]
    white = [move[1] for move in session.position.history if move[0] == "w"]
    for point in black:
        assert max(colour(point, 0.3)) < 60
    for point in white:
        assert min(colour(point, 0.3)) > 200
    probabilities = session.probabilities()
    order = np.argsort(-probabilities, axis=None)
    unlabelled = divmod(int(order[board_view.LABELLED_MOVES]), 19)  # a disc without a label on it
    assert probabilities[unlabelled] >= 0.001
    assert colour(unlabelled, 0.12, 0.12) != board_view.WOOD
    app.key(pygame.K_h)
    app.draw()
    x, y = app.geometry.pixel(unlabelled)
    spacing = app.geometry.spacing
    pixel = (round(x + 0.12 * spacing), round(y + 0.12 * spacing))
    assert tuple(app.screen.get_at(pixel))[:3] == board_view.WOOD


def test_command_line_screenshot_of_a_game_at_a_chosen_move(fixtures_dir, tmp_path, shipped_policy):
    record = fixtures_dir / "games" / "tom-354460.sgf"
    path = tmp_path / "board.png"
    argv = ["--colour", "b", "--sgf", str(record), "--move", "20", "--screenshot", str(path)]
    assert play.main([*argv, "--size", "640", "736"]) == 0
    image = pygame.image.load(str(path))
    assert image.get_size() == (640, 736)
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((640, 736))
    geometry = play.App(screen, Session(Game(shipped_policy), human="b")).geometry  # the same panel
    pygame.quit()
    moves = [move for move in next(read_games(record)).moves if move[1] is not None]
    for colour, point in moves[:20]:
        x, y = geometry.pixel(point)
        shade = max(tuple(image.get_at((round(x + 0.3 * geometry.spacing), round(y))))[:3])
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
            event = dict(button=1, pos=app.geometry.pixel(point))
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
    shade = tuple(app.screen.get_at(app.geometry.pixel(spot)))[:3]
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
    x, y = app.geometry.pixel(dead[0])
    arm = round(app.geometry.spacing * 0.25)
    assert tuple(app.screen.get_at((x + arm - 1, y + arm - 1)))[:3] == board_view.LAST_MOVE


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


def test_help_is_for_players_and_lists_the_keys():
    done = board("--help")
    assert done.returncode == 0
    usage, description = done.stdout.split("\n\n")[:2]
    assert usage.startswith("usage: python -m alphago_policy play [-h]")
    assert description == play.DESCRIPTION.split("\n\n")[0]
    for developer_note in ("`", "\\", "Session", "Layout", "SDL_VIDEODRIVER", "CJK_FONTS"):
        assert developer_note not in done.stdout
    keys = done.stdout.split("keys:", 1)[1]
    for key, _, what in (*play.KEYS, *play.REVIEW_KEYS, *play.GUESS_KEYS):
        assert f"{key} " in keys and what in keys
    assert "keys in review mode:" in keys and "keys in guess-the-move mode:" in keys


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--threads", "-3"), "--threads: expected a whole number of at least 1, not '-3'"),
        (("--size", "-5", "-5"), "--size -5 -5: give a width of 320 to 8192 pixels"),
        (("--size", "100000", "100000"), "--size 100000 100000: give a width of 320"),
    ],
)
def test_a_bad_thread_count_or_window_size_is_one_message(args, said, tmp_path):
    shot = str(tmp_path / "board.png")
    done = board(*args, "--screenshot", shot, SDL_VIDEODRIVER="dummy")
    assert done.returncode != 0 and said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "board.png").exists()


def test_s_with_the_save_folder_gone_keeps_the_game_on_the_board(app, tmp_path):
    """The save folder was removed while the game went on: S says so, the game goes on, and
    S saves it once the folder is back."""
    app.save_dir = tmp_path / "games"
    session = app.session
    play_moves(session, 2)
    app.key(pygame.K_s)
    app.draw()
    assert app.running and len(session.position.history) == 4
    panel = " ".join(line for line, _ in app.panel_lines())
    assert "Not saved, the folder" in panel and "is gone: create it" in panel
    app.save_dir.mkdir()
    app.key(pygame.K_s)
    assert "Saved" in session.message and len(list(app.save_dir.iterdir())) == 1


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
        assert all(app.line_width(line) <= size[0] - 20 for line, _ in lines)
        assert size[1] - app.panel_height + 6 + board_view.PANEL_LINE * len(lines) <= size[1]
        assert app.geometry.top + 18.5 * app.geometry.spacing <= size[1] - app.panel_height
    finally:
        pygame.quit()


def test_chinese_japanese_korean_names_are_drawn(app):
    """Each character goes to a font that has it: the names to an installed font with Chinese,
    Japanese or Korean characters, the Latin text around them to pygame's own."""
    if not play.cjk_fonts():
        pytest.skip("no font with Chinese, Japanese and Korean characters installed")
    names = "Loaded tom-377265.sgf: 荒村萧寺 vs 楚阳春, B+4.5 囲碁 바둑"
    fonts = [play.PanelFont.load(file, 16) for file in play.cjk_fonts()]
    for character in names:
        drawn = any(font.has(character) for font in [app.panel_fonts[0], *fonts])
        assert (character in app.missing_glyphs(names)) == (not drawn), character
    assert not app.missing_glyphs("荒村萧寺 楚阳春")  # every such font has Chinese


def font_without_latin(tmp_path: Path) -> Path:
    """A real font file with Chinese characters and no Latin letters or digits (as Debian's
    fonts-droid-fallback): pygame's own font, its character map cut down to three Chinese
    characters drawn with some of its glyphs."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    font = ttlib.TTFont(Path(pygame.__file__).parent / pygame.font.get_default_font())
    cmap = font["cmap"]
    glyphs = cmap.getBestCmap()
    cmap.tables = [table for table in cmap.tables if table.isUnicode()]
    for table in cmap.tables:
        table.cmap = {ord(c): glyphs[ord(g)] for c, g in zip("荒萧寺", "HXS", strict=True)}
    path = tmp_path / "no-latin.ttf"
    font.save(path)
    return path


def test_a_chinese_font_without_latin_draws_only_the_names(session, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(play, "cjk_fonts", lambda: [str(font_without_latin(tmp_path))])
    pygame.display.init()
    pygame.font.init()
    try:
        app = play.App(pygame.display.set_mode((800, 896)), session)
        default, chinese = app.panel_fonts
        assert not chinese.has("A") and chinese.has("荒") and not default.has("荒")
        network = app.network_line()[0]
        assert app.runs(network) == [(network, default)] and not app.missing_glyphs(network)
        text = "荒萧寺 vs Lee"
        assert app.runs(text) == [("荒萧寺", chinese), (" vs Lee", default)]
        assert app.render_line(text, (255, 255, 255))[0].get_width() == app.line_width(text)
        app.draw()
        assert capsys.readouterr().err == ""  # all of the board's text has a font
        session.message = "Loaded tom-377265.sgf: 荒村萧寺 vs 楚阳春, B+4.5"
        app.draw()
        app.draw()
    finally:
        pygame.quit()
    err = capsys.readouterr().err
    assert err.count("fonts-noto-cjk") == 1 and "'村楚阳春'" in err


def test_without_such_a_font_the_board_says_so_once(session, monkeypatch, capsys):
    monkeypatch.setattr(play, "cjk_fonts", lambda: [])
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


def test_the_start_screen_takes_a_handicap_key_then_the_colour(shipped_policy):
    pygame.display.init()
    pygame.font.init()
    try:
        app = play.App(pygame.display.set_mode((800, 896)), Session(Game(shipped_policy)))
        app.key(pygame.K_KP5)
        app.key(pygame.K_b)
        session = app.session
        assert session.human == "b" and len(session.game.setup[0]) == 5
        assert session.network_to_play and session.update()
        app.draw()
        assert any("handicap 5, komi 0.5" in line for line, _ in app.panel_lines())
    finally:
        pygame.quit()


def test_command_line_handicap_draws_the_stones(tmp_path, shipped_policy):
    path = tmp_path / "board.png"
    argv = ["--colour", "w", "--handicap", "3", "--screenshot", str(path)]
    assert play.main([*argv, "--size", "640", "736"]) == 0
    image = pygame.image.load(str(path))
    pygame.display.init()
    pygame.font.init()
    session = Session(Game(shipped_policy), handicap=3)
    session.choose_colour("w")  # as --colour w does: the same status, message and panel
    geometry = play.App(pygame.display.set_mode((640, 736)), session).geometry  # the same panel
    pygame.quit()
    for point in [(row, col) for row in (3, 9, 15) for col in (3, 9, 15)]:
        x, y = (round(c + 0.2 * geometry.spacing) for c in geometry.pixel(point))
        shade = max(tuple(image.get_at((x, y)))[:3])  # off the lines, well within a stone
        assert (shade < 60) == (to_gtp(point) in ("D4", "Q16", "D16")), to_gtp(point)
    done = board("--handicap", "1")
    assert done.returncode == 2 and "--handicap: invalid choice: 1" in done.stderr


def ring_colour(app, point):
    """The colour on the ring drawn round a stone at `point` (the move played)."""
    x, y = app.geometry.pixel(point)
    return tuple(app.screen.get_at((x + round(app.geometry.spacing * 0.47) - 1, y)))[:3]


def test_review_then_guess_mode_by_keys_and_clicks(tiny_weights):
    session = Session(Game(load_policy(tiny_weights)))
    assert session.load(HELD_OUT)
    study.go_to(session, 0)
    pygame.display.init()
    pygame.font.init()
    try:
        app = play.App(pygame.display.set_mode((800, 896)), session, colours="b")
        app.key(pygame.K_v)
        assert isinstance(session.mode, Review) and session.cursor == 0
        app.key(pygame.K_RIGHT)
        app.key(pygame.K_DOWN)
        surprise = session.cursor + 1
        assert surprise in session.mode.surprise_numbers and surprise > 2
        app.draw()
        played = session.mode.upcoming()
        assert ring_colour(app, played) == board_view.NEXT_MOVE
        assert any(line.startswith(f"Review | move {surprise} ") for line, _ in app.panel_lines())
        app.key(pygame.K_q)
        mode = session.mode
        assert isinstance(mode, Study) and mode.colours == "b" and mode.current.colour == "b"
        answer = mode.current
        x, y = app.geometry.pixel(answer.point)
        app.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(x, y)))
        assert mode.shown.matched and "you found it!" in session.message
        app.draw()
        assert ring_colour(app, answer.point) == board_view.NEXT_MOVE
        assert any("you 1 of 1 (100%)" in line for line, _ in app.panel_lines())
        app.key(pygame.K_SPACE)
        assert mode.shown.guess is None and len(mode.answers) == 1
        app.key(pygame.K_LEFT)  # back to the move shown with Space
        assert mode.current.number == answer.number + 2 and len(mode.answers) == 1
        app.key(pygame.K_LEFT)  # back to the move guessed: its guess is taken back
        assert mode.current == answer and mode.answers == {}
        app.key(pygame.K_RIGHT)
        assert session.cursor == answer.number + 1 and mode.answers == {}
        app.key(pygame.K_c)
        assert mode.colours == "w" and mode.current.colour == "w"
        app.key(pygame.K_q)
        assert session.mode is None and session.browsing and session.human is None
        app.draw()  # the start screen, to choose a colour and play on from here
    finally:
        pygame.quit()


def test_command_line_review_and_guess_screenshots(tiny_weights, tmp_path):
    weights = ["--weights", str(tiny_weights), "--size", "640", "736"]
    review, guess = tmp_path / "review.png", tmp_path / "guess.png"
    argv = ["--sgf", str(HELD_OUT), "--review", "--move", "36", "--screenshot", str(review)]
    assert play.main([*argv, *weights]) == 0
    argv = ["--study", str(HELD_OUT), "--move", "37", "--screenshot", str(guess)]
    assert play.main([*argv, "--study-colour", "b", *weights]) == 0
    pygame.display.init()
    pygame.font.init()
    try:
        session = Session(Game(load_policy(tiny_weights)))
        session.load(HELD_OUT)
        app = play.App(pygame.display.set_mode((640, 736)), session)
        moves = review_game(session.game.policy, session.record).moves
        app.screen = pygame.image.load(str(review))
        assert ring_colour(app, moves[36].point) == board_view.NEXT_MOVE  # move 37, ahead
        app.screen = pygame.image.load(str(guess))
        assert ring_colour(app, moves[36].point) == board_view.NEXT_MOVE  # move 37, answered
        assert ring_colour(app, moves[38].point) != board_view.NEXT_MOVE  # move 39, hidden
    finally:
        pygame.quit()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--review"], "--review: give the game to review with --sgf FILE"),
        (["--study", "missing.sgf"], "--study missing.sgf: no such file"),
        (["--sgf", str(HELD_OUT), "--study", str(HELD_OUT)], "--sgf and --study: give one"),
        (["--move", "3"], "--move 3: give a number of moves"),
    ],
)
def test_the_modes_flags_are_checked(args, said, tmp_path):
    parser = argparse.ArgumentParser()
    play.add_arguments(parser)
    assert said in play.problem(parser.parse_args([*args, "--screenshot", str(tmp_path / "x")]))


def test_the_start_screen_strength_keys_and_a_strength_out_of_range(tiny_weights):
    pygame.display.init()
    pygame.font.init()
    try:
        game = Game(load_policy(tiny_weights))
        app = play.App(pygame.display.set_mode((800, 896)), Session(game))
        for key in (pygame.K_DOWN, pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_UP):
            app.key(key)
        assert game.strength.number == 9
        app.key(pygame.K_w)
        app.key(pygame.K_DOWN)  # in the game: nothing changes
        assert app.session.human == "w" and game.strength.number == 9
        app.draw()
        assert game.strength.describe() in " ".join(line for line, _ in app.panel_lines())
    finally:
        pygame.quit()
    done = board("--strength", "0")
    assert done.returncode == 2 and "--strength: invalid choice: 0" in done.stderr
    assert "Traceback" not in done.stderr
