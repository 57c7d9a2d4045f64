"""The board's window: play Go against the policy network in pygame, with its move probabilities
drawn as a heat map, and the `play` command that opens it (`alphago-play`, `python play.py`).

`App` turns pygame's events into calls of a `Session` (`alphago_policy.session`, the player's
view of the game, no pygame), or of its review or guess-the-move mode (`alphago_policy.study`),
and draws it with the geometry and colours of
`alphago_policy.board_view`. Each line of text is drawn run by run with a font that has its
characters: pygame's own font for Latin text, an installed font of `CJK_FONTS` for names in
Chinese, Japanese or Korean (Debian's fonts-noto-cjk, fonts-wqy-microhei ...); characters no
installed font has show as boxes, and the board says so once on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from alphago_policy.board_view import (
    BLACK,
    DEFAULT_SIZE,
    LABELLED_MOVES,
    LAST_MOVE,
    LINE,
    NEXT_MOVE,
    PANEL,
    PANEL_LINE,
    STAR_POINTS,
    TEXT,
    WARNING,
    WHITE,
    WOOD,
    BoardGeometry,
    font_runs,
    heat_colour,
    heat_strength,
    percent_label,
    window_size,
    wrap,
)
from alphago_policy.cli import add_temperature, add_threads, add_weights
from alphago_policy.game import DEFAULT_KOMI, WARMING_UP, Game, warm_up
from alphago_policy.review import PLAYERS
from alphago_policy.session import HANDICAP_KOMI, HANDICAPS, Session
from alphago_policy.strength import STRONGEST
from alphago_policy.study import Mark, Review, Study, go_to, leave, start
from sgf_data.coords import BOARD_SIZE, Point, to_gtp

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
try:
    import pygame
    import pygame.freetype
except ModuleNotFoundError:
    raise SystemExit(
        "The board needs pygame: python -m pip install 'alphago-policy[play]' (or pygame itself)."
    ) from None

CJK_FONTS = (  # fonts with Chinese, Japanese and Korean characters, by pygame's names
    "notosanscjksc",
    "notosanscjktc",
    "notosanscjkjp",
    "notosanscjkkr",
    "notosanscjk",
    "sourcehansanssc",
    "sourcehansans",
    "wenquanyimicrohei",
    "wenquanyizenhei",
    "droidsansfallbackfull",
    "droidsansfallback",
    "microsoftyahei",
    "simhei",
    "msgothic",
    "malgungothic",
    "pingfangsc",
    "hiraginosansgb",
    "applesdgothicneo",
    "arialunicodems",
    "unifont",
)
KEYS = (  # key, a word for the panel, what it does for --help
    ("click", "play", "play there"),
    ("P", "pass", "pass (when both pass, the game is counted)"),
    ("U", "undo", "take back your last move and the network's answer"),
    ("G", "network move", "let the network play the side to move; the game goes on"),
    ("H", "heat map", "the network's move probabilities on the board, on/off"),
    ("O", "ownership", "who owns each point, by random playouts, on/off"),
    ("N", "new", "a new game"),
    ("R", "resign", "resign"),
    ("S", "save", "save the game as SGF (in --save-dir)"),
    ("L", "load", "load an SGF game"),
    ("Left/Right", "step", "step through the game"),
    ("V", "review", "review the game on the board (keys below)"),
    ("Q", "guess", "guess the moves of the game on the board (keys below)"),
    ("Up/Down, +/-", "strength", "the network's strength level, on the start screen"),
    ("0, 2-9", "handicap", "Black's handicap stones, on the start screen (0: an even game)"),
    ("B/W", "colour", "your colour, on the start screen (with handicap: who takes the stones)"),
    ("Esc", "quit", "quit"),
)
REVIEW_KEYS = (
    ("Left/Right", "step", "the move before, the move after"),
    ("Down/Up", "surprise", "the next, the previous surprise (each player's least likely moves)"),
    ("H", "heat map", "what the network expected before the move, on/off"),
    ("V", "play", "back to play, from the move shown"),
    ("Q", "guess", "guess the moves from here"),
    ("L", "load", "review another SGF game"),
    ("Esc", "quit", "quit"),
)
GUESS_KEYS = (
    ("click", "guess", "your guess of the hidden move; the board answers and goes on"),
    ("Space/A", "answer", "show the answer without guessing (not counted)"),
    ("Right", "skip", "play the move without an answer (not counted)"),
    ("Left", "back", "back to the move guessed before (its guess is taken back)"),
    ("C", "colour", "guess both players' moves, Black's, White's"),
    ("Q", "play", "back to play, from the move shown"),
    ("V", "review", "review the game from here"),
    ("L", "load", "guess the moves of another SGF game"),
    ("Esc", "quit", "quit"),
)
HELPS = {  # the keys the panel lists, in play (None), review and guess mode
    kind: "  ".join(f"{key} {word}" for key, word, _ in keys)
    for kind, keys in ((None, KEYS), (Review, REVIEW_KEYS), (Study, GUESS_KEYS))
}
HANDICAP_KEYS = {  # the digits, above the letters and on the keypad
    key: stones
    for stones in HANDICAPS
    for key in (pygame.K_0 + stones, getattr(pygame, f"K_KP{stones}"))
}
STRENGTH_KEYS = {  # on the start screen: one level up or down
    pygame.K_UP: 1,
    pygame.K_PLUS: 1,
    pygame.K_EQUALS: 1,  # + without shift
    pygame.K_KP_PLUS: 1,
    pygame.K_DOWN: -1,
    pygame.K_MINUS: -1,
    pygame.K_KP_MINUS: -1,
}
SMALLEST_WINDOW = (320, 400)  # --size: room for the board and its panel
LARGEST_WINDOW = (8192, 8192)  # --size: a screenshot this large takes 256 MiB already


def cjk_fonts() -> list[str]:
    """The files of the installed fonts with Chinese, Japanese or Korean characters, in the
    order of `CJK_FONTS`."""
    files = (pygame.font.match_font(name) for name in CJK_FONTS)
    return list(dict.fromkeys(file for file in files if file))


@dataclass
class PanelFont:
    """A font of the panel, and which characters it has (asked of freetype once each)."""

    font: pygame.font.Font
    glyphs: pygame.freetype.Font
    known: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def load(cls, file: str | None, size: int) -> PanelFont:
        """The font in `file` (None: pygame's own) at `size`."""
        pygame.freetype.init()
        return cls(pygame.font.Font(file, size), pygame.freetype.Font(file, size))

    def has(self, character: str) -> bool:
        """Whether the font has a glyph for `character` (else pygame draws a box)."""
        if character not in self.known:
            self.known[character] = self.glyphs.get_metrics(character)[0] is not None
        return self.known[character]


# --- app: events and drawing ---------------------------------------------------------------


class App:
    """The pygame window: turns events into Session actions and draws the session."""

    def __init__(
        self,
        screen: pygame.Surface,
        session: Session,
        save_dir: Path = Path("."),
        colours: str = "bw",
    ) -> None:
        self.screen, self.session, self.save_dir = screen, session, save_dir
        self.colours = colours  # whose moves Q asks to guess: "b", "w" or "bw"
        self.running = True
        self.warned = False  # about a font without the characters of a name
        self.relayout()

    def relayout(self) -> None:
        """Fonts and geometry for the window's size: the panel grows when its lines wrap."""
        width, height = self.screen.get_size()
        # pygame draws its own font 0.69 times as large as a file's
        self.panel_fonts = [PanelFont.load(None, 22)]
        self.panel_fonts += [PanelFont.load(file, 16) for file in cjk_fonts()]
        helps = max(len(self.wrapped(keys)) for keys in HELPS.values())
        fixed = len(self.wrapped(self.network_line()[0])) + helps
        self.panel_height = 12 + PANEL_LINE * (fixed + 4)  # status and message: 2 lines each
        self.geometry = BoardGeometry.fit(width, height, self.panel_height)
        size = max(int(self.geometry.spacing * 0.55), 8)
        self.font = pygame.font.Font(None, size)
        self.small_font = pygame.font.Font(None, max(int(self.geometry.spacing * 0.42), 8))

    def runs(self, line: str) -> list[tuple[str, PanelFont | None]]:
        """`line` in runs of characters, each with the panel font that has them (None: none
        has them, pygame's own font draws boxes)."""
        fonts = self.panel_fonts
        runs = font_runs(line, [font.has for font in fonts])
        return [(run, None if index is None else fonts[index]) for run, index in runs]

    def line_width(self, line: str) -> int:
        """The width of `line` in the panel, in pixels."""
        return sum((font or self.panel_fonts[0]).font.size(run)[0] for run, font in self.runs(line))

    def render_line(self, line: str, colour: tuple[int, int, int]) -> tuple[pygame.Surface, int]:
        """An image of `line`, each run in its font, on one baseline, and the baseline's height
        from the image's top."""
        runs = [(run, (font or self.panel_fonts[0]).font) for run, font in self.runs(line)]
        if not runs:
            font = self.panel_fonts[0].font
            return font.render("", True, colour), font.get_ascent()
        images = [(font.render(run, True, colour), font.get_ascent()) for run, font in runs]
        ascent = max(above for _, above in images)
        height = max(ascent - above + image.get_height() for image, above in images)
        width = sum(image.get_width() for image, _ in images)
        surface = pygame.Surface((width, height), pygame.SRCALPHA)
        x = 0
        for image, above in images:
            surface.blit(image, (x, ascent - above))
            x += image.get_width()
        return surface, ascent

    def wrapped(self, text: str, most: int | None = None) -> list[str]:
        """`text` in lines as wide as the panel (at most `most`, the last one cut short)."""
        room = self.screen.get_width() - 20
        lines = wrap(text, lambda line: self.line_width(line) <= room)
        if most is not None and len(lines) > most:
            lines = [*lines[: most - 1], " ".join(lines[most - 1 :])]
            while lines[-1] and self.line_width(lines[-1] + "...") > room:
                lines[-1] = lines[-1][:-1]
            lines[-1] += "..."
        return lines

    def network_line(self) -> tuple[str, tuple[int, int, int]]:
        """The network playing (its strength level is in the status line)."""
        policy = self.session.game.policy
        if policy.trained:
            return policy.description, TEXT
        return policy.description + ": it plays random moves", WARNING

    def working(self, note: str, work, *args):
        """Do `work` with `note` on the board while it runs; returns what `work` returns."""
        self.session.message = note
        self.draw()
        pygame.display.flip()
        return work(*args)

    def wait_for(self, work, *args) -> None:
        """Do `work` (the warm-up) with a word on the board and on stderr about the wait."""
        print(f"alphago-policy play: {WARMING_UP}", file=sys.stderr, flush=True)
        message = self.session.message
        seconds = self.working("Warming up: " + WARMING_UP, work, *args)
        print(f"alphago-policy play: ready ({seconds:.1f} s)", file=sys.stderr, flush=True)
        self.session.message = message

    def study(self, kind: type[Review | Study]) -> None:
        """Enter review or guess mode (`kind`) on the game on the board, or leave it when it
        is on: the network's review is computed on entering, once per game."""
        if isinstance(self.session.mode, kind):
            leave(self.session)
            return
        args = (self.colours,) if kind is Study else ()
        self.working("The network is reviewing the game...", start, self.session, kind, *args)

    def step(self) -> None:
        """One frame: handle the queued events, then draw (the caller flips the display)."""
        for event in pygame.event.get():
            self.handle(event)
        self.draw()

    def handle(self, event: pygame.event.Event) -> None:
        session = self.session
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.screen = pygame.display.get_surface() or self.screen
            self.relayout()
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            point = self.geometry.point_at(*event.pos)
            if point is not None:
                (session.mode or session).click(point)
        elif event.type == pygame.KEYDOWN:
            self.key(event.key)

    def key(self, key: int) -> None:
        session, mode = self.session, self.session.mode
        actions = {
            pygame.K_h: self.toggle_heatmap,
            pygame.K_l: self.load_dialog,
            pygame.K_v: lambda: self.study(Review),
            pygame.K_q: lambda: self.study(Study),
            pygame.K_ESCAPE: self.quit,
        }
        if isinstance(mode, Review):
            actions |= self.review_keys(mode)
        elif isinstance(mode, Study):
            actions |= self.guess_keys(mode)
        elif session.human is None and key in (pygame.K_b, pygame.K_w):
            session.choose_colour("b" if key == pygame.K_b else "w")
            return
        elif session.human is None and key in HANDICAP_KEYS:
            session.choose_handicap(HANDICAP_KEYS[key])
            return
        elif session.human is None and key in STRENGTH_KEYS:
            session.change_strength(STRENGTH_KEYS[key])
            self.relayout()  # the level's network has its own name, maybe longer
            return
        else:
            actions |= self.play_keys(session)
        if key in actions:
            actions[key]()

    def play_keys(self, session: Session) -> dict:
        return {
            pygame.K_o: session.toggle_ownership,
            pygame.K_p: session.pass_move,
            pygame.K_u: session.undo,
            pygame.K_BACKSPACE: session.undo,
            pygame.K_g: session.ask_network,
            pygame.K_n: session.new_game,
            pygame.K_r: session.resign,
            pygame.K_s: lambda: session.save(self.save_dir),
            pygame.K_LEFT: lambda: session.step(-1),
            pygame.K_RIGHT: lambda: session.step(1),
        }

    @staticmethod
    def review_keys(mode: Review) -> dict:
        return {
            pygame.K_LEFT: lambda: mode.step(-1),
            pygame.K_RIGHT: lambda: mode.step(1),
            pygame.K_DOWN: lambda: mode.jump(1),
            pygame.K_UP: lambda: mode.jump(-1),
        }

    @staticmethod
    def guess_keys(mode: Study) -> dict:
        return {
            pygame.K_SPACE: mode.reveal,
            pygame.K_a: mode.reveal,
            pygame.K_RIGHT: mode.skip,
            pygame.K_LEFT: mode.back,
            pygame.K_c: mode.cycle_colours,
        }

    def toggle_heatmap(self) -> None:
        self.session.heatmap = not self.session.heatmap

    def quit(self) -> None:
        self.running = False

    def load_dialog(self) -> None:
        try:
            from tkinter import Tk, filedialog
        except ImportError:
            self.session.message = "No file dialog (tkinter missing): use play.py --sgf FILE."
            return
        root = Tk()
        root.withdraw()
        path = filedialog.askopenfilename(filetypes=[("SGF game records", "*.sgf")])
        root.destroy()
        kind = type(self.session.mode)
        if path and self.session.load(path) and kind in (Review, Study):
            go_to(self.session, 0)  # the new game in the same mode, from its start
            self.study(kind)

    # drawing
    def draw(self) -> None:
        session, mode = self.session, self.session.mode
        self.screen.fill(WOOD)
        self.draw_grid()
        heat = self.heat()
        if heat is not None:
            self.draw_heatmap(heat)
        self.draw_stones()
        if mode is not None:
            self.draw_marks(mode.marks())
        elif session.human is not None and (session.ownership or session.counted):
            self.draw_owners()
        self.draw_panel()
        if session.human is None and mode is None:
            self.draw_menu()

    def heat(self) -> np.ndarray | None:
        """The probabilities of the heat map, if it is on and there is one: the network's
        for the player to move, or what a mode shows (review: before the move played)."""
        session, mode = self.session, self.session.mode
        if not session.heatmap:
            return None
        if mode is not None:
            return mode.probabilities()
        if session.human is not None and session.result is None:
            return session.probabilities()
        return None

    def draw_grid(self) -> None:
        board, width = self.geometry, max(1, round(self.geometry.spacing / 28))
        last = BOARD_SIZE - 1
        for i in range(BOARD_SIZE):
            pygame.draw.line(self.screen, LINE, board.pixel((i, 0)), board.pixel((i, last)), width)
            pygame.draw.line(self.screen, LINE, board.pixel((0, i)), board.pixel((last, i)), width)
            letter = to_gtp((0, i))[0]
            self.text(letter, self.small_font, LINE, self._offset((0, i), 0, 0.75))
            self.text(letter, self.small_font, LINE, self._offset((last, i), 0, -0.75))
            self.text(str(i + 1), self.small_font, LINE, self._offset((i, 0), -0.75, 0))
            self.text(str(i + 1), self.small_font, LINE, self._offset((i, last), 0.75, 0))
        for row in STAR_POINTS:
            for col in STAR_POINTS:
                radius = max(2, round(board.spacing * 0.1))
                pygame.draw.circle(self.screen, LINE, board.pixel((row, col)), radius)

    def draw_heatmap(self, probabilities: np.ndarray) -> None:
        """A disc on every move the network gives 0.1% or more, the top moves labelled in %."""
        overlay = pygame.Surface(self.screen.get_size(), pygame.SRCALPHA)
        radius = self.geometry.spacing * 0.46
        for row, col in zip(*np.nonzero(probabilities >= 0.001), strict=True):
            strength = heat_strength(float(probabilities[row, col]))
            centre = self.geometry.pixel((int(row), int(col)))
            disc = radius * (0.4 + 0.6 * np.sqrt(strength))
            pygame.draw.circle(overlay, heat_colour(strength), centre, round(disc))
        self.screen.blit(overlay, (0, 0))
        top = np.argsort(-probabilities, axis=None, kind="stable")[:LABELLED_MOVES]
        for index in top:
            point = divmod(int(index), BOARD_SIZE)
            probability = float(probabilities[point])
            if probability <= 0:
                break
            colour = WHITE if heat_strength(probability) > 0.5 else BLACK
            self.text(
                percent_label(probability), self.small_font, colour, self.geometry.pixel(point)
            )

    def draw_stones(self) -> None:
        board, position = self.geometry, self.session.position
        radius = round(board.spacing * 0.47)
        stones = position.stones()
        for row, col in zip(*np.nonzero(stones), strict=True):
            centre = board.pixel((int(row), int(col)))
            colour, edge = (BLACK, BLACK) if stones[row, col] == 1 else (WHITE, (120, 120, 120))
            pygame.draw.circle(self.screen, colour, centre, radius)
            pygame.draw.circle(self.screen, edge, centre, radius, max(1, radius // 12))
        history = position.history
        if history and history[-1][1] is not None:
            mark = max(3, round(board.spacing * 0.14))
            pygame.draw.circle(self.screen, LAST_MOVE, board.pixel(history[-1][1]), mark)
        mode = self.session.mode
        upcoming = mode.upcoming() if mode else (self.session.next_move or ("", None))[1]
        if upcoming is not None:
            pygame.draw.circle(self.screen, NEXT_MOVE, board.pixel(upcoming), radius, 3)

    def draw_marks(self, marks: list[Mark]) -> None:
        """A mode's marks: the move played ringed, the guess crossed, the network's favourites
        lettered (on their stone, or on a clear disc on an empty point)."""
        board, stones = self.geometry, self.session.position.stones()
        radius = round(board.spacing * 0.47)
        for kind, point in marks:
            x, y = board.pixel(point)
            if kind == "played":
                pygame.draw.circle(self.screen, NEXT_MOVE, (x, y), radius, 3)
            elif kind == "guess":
                arm, width = round(board.spacing * 0.3), max(3, round(board.spacing / 10))
                for dx in (-arm, arm):
                    pygame.draw.line(
                        self.screen, WARNING, (x - dx, y - arm), (x + dx, y + arm), width
                    )
            else:
                if not stones[point]:
                    pygame.draw.circle(self.screen, heat_colour(1.0)[:3], (x, y), radius * 0.8)
                colour = BLACK if stones[point] == -1 else WHITE
                self.text(kind, self.font, colour, (x, y))

    def draw_owners(self) -> None:
        """A square on every point as large as its owner is sure (Black's black, White's
        white), over the dead stones too, which are crossed out."""
        owners, dead = self.session.owners()
        stones = self.session.position.stones()
        for point in dead:
            stones[point] = 0
        overlay = pygame.Surface(self.screen.get_size(), pygame.SRCALPHA)
        for row, col in zip(*np.nonzero((np.abs(owners) >= 0.2) & (stones == 0)), strict=True):
            value = float(owners[row, col])
            side = round(self.geometry.spacing * 0.5 * abs(value))
            rect = pygame.Rect(0, 0, side, side)
            rect.center = self.geometry.pixel((int(row), int(col)))
            pygame.draw.rect(overlay, (*(BLACK if value > 0 else WHITE), 210), rect)
        self.screen.blit(overlay, (0, 0))
        arm = round(self.geometry.spacing * 0.25)
        for point in dead:
            x, y = self.geometry.pixel(point)
            for dx in (-arm, arm):
                pygame.draw.line(self.screen, LAST_MOVE, (x - dx, y - arm), (x + dx, y + arm), 3)

    def panel_lines(self) -> list[tuple[str, tuple[int, int, int]]]:
        """The panel's lines, wrapped to the window: the network, the game, the last message
        (two lines each at most) and the keys."""
        network, colour = self.network_line()
        mode = self.session.mode
        parts = [
            (self.wrapped(network), colour),
            (self.wrapped((mode or self.session).status(), 2), TEXT),
            (self.wrapped(self.session.message, 2), TEXT),
            (self.wrapped(HELPS[type(mode) if mode else None]), (160, 160, 160)),
        ]
        return [(line, colour) for lines, colour in parts for line in lines]

    def draw_panel(self) -> None:
        width, height = self.screen.get_size()
        top = height - self.panel_height
        pygame.draw.rect(self.screen, PANEL, (0, top, width, self.panel_height))
        for i, (line, colour) in enumerate(self.panel_lines()):
            self.warn_missing_glyphs(line)
            image, ascent = self.render_line(line, colour)
            baseline = top + 6 + PANEL_LINE * i + self.panel_fonts[0].font.get_ascent()
            self.screen.blit(image, (10, baseline - ascent))

    def missing_glyphs(self, text: str) -> str:
        """The characters of `text` that no panel font has (drawn as boxes)."""
        return "".join(run for run, font in self.runs(text) if font is None)

    def warn_missing_glyphs(self, text: str) -> None:
        """Say once on stderr when no installed font has some characters of `text` (a name in
        Chinese, Japanese or Korean without such a font installed): they show as boxes."""
        missing = self.missing_glyphs(text)
        if self.warned or not missing:
            return
        self.warned = True
        print(
            f"alphago-policy play: no installed font has the characters {missing!r} (of "
            f"{text!r}), so they show as boxes; install a font with them (for Chinese, "
            "Japanese and Korean on Debian and Ubuntu: apt install fonts-noto-cjk) and start "
            "the board again",
            file=sys.stderr,
        )

    def draw_menu(self) -> None:
        width, height = self.screen.get_size()
        shade = pygame.Surface((width, height - self.panel_height), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        self.screen.blit(shade, (0, 0))
        centre = (width // 2, (height - self.panel_height) // 2)
        title = pygame.font.Font(None, max(24, int(self.geometry.spacing * 1.2)))
        self.text("Play against the AlphaGo policy network", title, TEXT, centre)
        for i, line in enumerate(self.session.start_lines()):
            below = (centre[0], centre[1] + int(self.geometry.spacing * (1.5 + i)))
            self.text(line, self.font, TEXT, below)

    def text(self, text: str, font: pygame.font.Font, colour, centre) -> None:
        image = font.render(text, True, colour)
        self.screen.blit(image, image.get_rect(center=centre))

    def _offset(self, point: Point, dx: float, dy: float) -> tuple[int, int]:
        x, y = self.geometry.pixel(point)
        return round(x + dx * self.geometry.spacing), round(y + dy * self.geometry.spacing)


DESCRIPTION = """Play Go against the policy network on a board in a window.

Click a point to play; the network answers at once, and its move probabilities show on the
board as a heat map. Load a game record to step through it and play on from any move. A start
screen asks for the network's strength (Up/Down or +/-: level 1, a beginner's opponent, to
10, or the full network), the handicap and your colour unless --colour gives them; the level
stays for the next games (N). The window can be resized.

Study a game with the network: in review mode (V, or --review) the board steps through the
game and gives, for each move, the network's probability of the move played and its rank, with
what the network expected before it as the heat map; Down and Up jump to the moves it found
least likely. In guess-the-move mode (Q, or --study) the board hides the next move, you click
where you think it goes, and the board answers with the move played, the network's view of it
and of your guess, and its top 3, keeping score against the network."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The board's flags, its user-facing description and the keys, for `--help`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = DESCRIPTION
    width = max(len(key) for key, _, _ in KEYS)
    keys = "\n\n".join(
        f"{title}:\n" + "\n".join(f"  {key:<{width}}  {what}" for key, _, what in keys)
        for title, keys in (
            ("keys", KEYS),
            ("keys in review mode", REVIEW_KEYS),
            ("keys in guess-the-move mode", GUESS_KEYS),
        )
    )
    examples = "\n".join(
        f"  {parser.prog} {flags}\n      {what}"
        for flags, what in (
            ("--colour w", "you play White; the network opens"),
            ("--strength 3", "a weaker opponent: level 3 of 1 (weakest) to 10"),
            ("--sgf game.sgf --move 40", "load a game, shown after move 40"),
            ("--sgf game.sgf --screenshot board.png", "draw the board into a PNG and exit"),
            ("--sgf game.sgf --review", "review a game: the network's view of each move"),
            ("--study game.sgf --study-colour b", "guess Black's moves of a game"),
        )
    )
    parser.epilog = f"{keys}\n\nexamples:\n{examples}"
    parser.add_argument("--colour", "--color", choices=("b", "w"), help="your colour")
    add_weights(parser)
    parser.add_argument(
        "--sgf", type=Path, metavar="FILE", help="an SGF game to load, step through and continue"
    )
    parser.add_argument(
        "--review", action="store_true", help="review the --sgf game: start in review mode"
    )
    parser.add_argument(
        "--study", type=Path, metavar="FILE", help="an SGF game whose moves you guess (Q mode)"
    )
    parser.add_argument(
        "--study-colour",
        "--study-color",
        choices=PLAYERS,
        default="both",
        help="whose moves to guess, with --study or Q (default: both)",
    )
    parser.add_argument(
        "--move",
        type=int,
        metavar="N",
        help="show the --sgf or --study game after this many moves (default: the last one, "
        "the first with --review or --study)",
    )
    parser.add_argument(
        "--screenshot", type=Path, metavar="PNG", help="save the first frame as PNG and exit"
    )
    add_temperature(parser)
    parser.add_argument(
        "--strength",
        type=int,
        choices=range(1, STRONGEST + 1),
        metavar="N",
        help=f"the network's strength level, 1 (weakest) to {STRONGEST}; Up/Down on the start "
        "screen changes it (default: the full network, with --temperature)",
    )
    parser.add_argument(
        "--handicap",
        type=int,
        choices=HANDICAPS,
        default=0,
        metavar="N",
        help="Black's handicap stones in new games: 0 (an even game, the default) or 2 to 9",
    )
    parser.add_argument(
        "--komi",
        type=float,
        metavar="POINTS",
        help=f"komi of new games (default {DEFAULT_KOMI:g}; {HANDICAP_KOMI:g} with handicap)",
    )
    add_threads(parser, note="1 is fastest for one game")
    parser.add_argument(
        "--save-dir", type=Path, default=Path("."), metavar="DIR", help="where S saves games"
    )
    parser.add_argument(
        "--size",
        type=int,
        nargs=2,
        metavar=("W", "H"),
        help=f"window size (default {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}, less on a small screen)",
    )


def size_problem(size: list[int] | None) -> str | None:
    """What is wrong with a `--size W H`, if anything.

    >>> size_problem([640, 736]) is None, size_problem(None) is None
    (True, True)
    >>> size_problem([-5, -5])
    '--size -5 -5: give a width of 320 to 8192 pixels and a height of 400 to 8192'
    """
    (low_w, low_h), (high_w, high_h) = SMALLEST_WINDOW, LARGEST_WINDOW
    if size is None or (low_w <= size[0] <= high_w and low_h <= size[1] <= high_h):
        return None
    return (
        f"--size {size[0]} {size[1]}: give a width of {low_w} to {high_w} pixels and a height "
        f"of {low_h} to {high_h}"
    )


def has_display() -> bool:
    """Whether there is a screen to open a window on (on Linux and the BSDs: an X11 or
    Wayland display; elsewhere there always is)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def problem(args: argparse.Namespace) -> str | None:
    """What makes the command line unusable, said so that the user knows what to do."""
    for flag, path in (("--sgf", args.sgf), ("--study", args.study)):
        if path is not None and not path.is_file():
            return f"{flag} {path}: no such file: give the path of an SGF game record"
    if args.sgf is not None and args.study is not None:
        return "--sgf and --study: give one game, to play or review (--sgf) or to guess (--study)"
    if args.review and args.sgf is None:
        return "--review: give the game to review with --sgf FILE"
    if args.move is not None and (args.move < 0 or (args.sgf or args.study) is None):
        return f"--move {args.move}: give a number of moves, 0 or more, of an --sgf game"
    if args.screenshot is not None and not args.screenshot.parent.is_dir():
        return (
            f"--screenshot {args.screenshot}: the folder {args.screenshot.parent} does not "
            "exist: create it, or save the screenshot elsewhere"
        )
    if trouble := size_problem(args.size):
        return trouble
    if not args.save_dir.is_dir():
        return f"--save-dir {args.save_dir}: no such folder: create it, or choose another"
    if args.screenshot is None and not has_display() and "SDL_VIDEODRIVER" not in os.environ:
        return (
            "no display to open the board's window on (neither DISPLAY nor WAYLAND_DISPLAY is "
            "set): start it on a desktop, or draw the board into a file with --screenshot FILE"
        )
    return None


def open_window(args: argparse.Namespace) -> pygame.Surface:
    """The board's window: as large as `--size`, or as the screen has room for."""
    if args.screenshot is not None and not has_display():
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no window: draw into memory
    pygame.display.init()  # display and fonts only: no audio device needed
    pygame.font.init()
    pygame.display.set_caption("AlphaGo SL policy network")
    desktops = pygame.display.get_desktop_sizes() if args.screenshot is None else []
    desktop = desktops[0] if desktops else None
    return pygame.display.set_mode(args.size or window_size(desktop), pygame.RESIZABLE)


def run(args: argparse.Namespace) -> int:
    import torch

    from alphago_policy.policy import policy_for_command

    trouble = problem(args)
    if trouble:
        print(f"alphago-policy play: {trouble}", file=sys.stderr)
        return 1
    torch.set_num_threads(args.threads)  # one position at a time: more threads only wait
    policy = policy_for_command(args.weights, "it plays random moves")
    if policy is None:
        return 1
    session = Session(
        Game(policy, args.temperature), args.colour, args.handicap, args.komi, args.weights
    )
    if args.strength is not None and not session.set_strength(args.strength):
        print(f"alphago-policy play: --{session.message}", file=sys.stderr)
        return 1
    record = args.sgf or args.study
    if record is not None:
        if not session.load(record):
            flag = "--sgf" if args.sgf else "--study"
            print(f"alphago-policy play: {flag} {session.message}", file=sys.stderr)
            return 1
        first = 0 if args.review or args.study else len(session.moves)
        go_to(session, first if args.move is None else args.move)
        if session.next_move is not None:
            session.step(0)  # the message says which move is shown
    app = App(open_window(args), session, args.save_dir, PLAYERS[args.study_colour])
    if args.review or args.study:
        app.study(Review if args.review else Study)
    if args.screenshot:
        app.draw()
        try:
            pygame.image.save(app.screen, str(args.screenshot))
        except (pygame.error, OSError) as error:
            print(f"alphago-policy play: --screenshot {args.screenshot}: {error}", file=sys.stderr)
            return 1
        pygame.quit()
        return 0
    app.wait_for(warm_up, policy)
    clock = pygame.time.Clock()
    while app.running:
        app.step()
        pygame.display.flip()
        if not session.update():  # the network answers once the human's move is on screen
            clock.tick(30)
    pygame.quit()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`alphago-play` and `python play.py`: the board with its own command line."""
    parser = argparse.ArgumentParser(prog="alphago-play")
    add_arguments(parser)
    return run(parser.parse_args(argv))
