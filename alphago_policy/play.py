"""Play Go against the AlphaGo SL policy network on a pygame board, with its move probabilities.

    python -m alphago_policy play [--colour b|w] [--weights PATH] [--sgf FILE [--move N]]
    SDL_VIDEODRIVER=dummy python -m alphago_policy play --colour b --sgf FILE --move N \
        --screenshot board.png

Click an intersection to play; the keys are listed by `--help` (`KEYS`). The window can be
resized. Names in Chinese, Japanese or Korean need a font with their characters (any of
`CJK_FONTS`, e.g. Debian's fonts-noto-cjk or fonts-wqy-microhei); without one they show as
boxes, and the board says so once on stderr.

Three layers, each testable alone: `Layout` (pure board geometry, pixels <-> points),
`Session` (the game and what the player did, no pygame) and `App` (events and drawing).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alphago_policy.game import DEFAULT_KOMI, RESIGN, WARMING_UP, Game, warm_up, write_sgf
from sgf_data import IllegalMove, Position
from sgf_data.coords import BOARD_SIZE, Move, Point, opponent, to_gtp
from sgf_data.scoring import area

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
try:
    import pygame
    import pygame.freetype
except ModuleNotFoundError:
    raise SystemExit(
        "The board needs pygame: python -m pip install 'alphago-policy[play]' (or pygame itself)."
    ) from None

PANEL_HEIGHT = 96  # pixels under the board for the status lines, when none wraps
PANEL_LINE = 22  # pixels per line of the panel
DEFAULT_SIZE = (800, 896)  # the window, when the screen has room for it
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
    ("B/W", "colour", "your colour, on the start screen"),
    ("Esc", "quit", "quit"),
)
HELP = "  ".join(f"{key} {word}" for key, word, _ in KEYS)
STAR_POINTS = (3, 9, 15)
LABELLED_MOVES = 5  # the heat map writes the percentage of this many top moves

WOOD = (220, 179, 102)
LINE = (48, 36, 20)
BLACK = (18, 18, 18)
WHITE = (240, 240, 236)
PANEL = (34, 36, 40)
TEXT = (230, 230, 230)
WARNING = (255, 170, 90)
LAST_MOVE = (220, 40, 40)
NEXT_MOVE = (40, 110, 220)
COLD = np.array([50, 110, 255])
HOT = np.array([235, 40, 40])

# --- layout: pure geometry -----------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where the board lies in the window: the top-left intersection (A19) and the spacing."""

    left: float
    top: float
    spacing: float

    @classmethod
    def fit(cls, width: int, height: int, panel: int = PANEL_HEIGHT) -> Layout:
        """The largest centred board above the status panel (`panel` pixels high), one spacing
        of margin for labels.

        >>> Layout.fit(800, 896)
        Layout(left=40.0, top=40.0, spacing=40.0)
        """
        board_height = max(height - panel, 1)
        spacing = min(width, board_height) / (BOARD_SIZE + 1)
        extent = (BOARD_SIZE - 1) * spacing
        return cls((width - extent) / 2, (board_height - extent) / 2, spacing)

    def pixel(self, point: Point) -> tuple[int, int]:
        """Pixel of an intersection; row 0 is the bottom line.

        >>> Layout(10, 10, 20).pixel((0, 0)), Layout(10, 10, 20).pixel((18, 18))
        ((10, 370), (370, 10))
        """
        row, col = point
        return round(self.left + col * self.spacing), round(
            self.top + (BOARD_SIZE - 1 - row) * self.spacing
        )

    def point_at(self, x: float, y: float) -> Point | None:
        """The intersection nearest to a pixel, None outside the board.

        >>> layout = Layout(10, 10, 20)
        >>> layout.point_at(18, 365), layout.point_at(379, 0), layout.point_at(0, 0)
        ((0, 0), (18, 18), (18, 0))
        >>> layout.point_at(395, 200) is None
        True
        """
        col = round((x - self.left) / self.spacing)
        row = BOARD_SIZE - 1 - round((y - self.top) / self.spacing)
        if 0 <= row < BOARD_SIZE and 0 <= col < BOARD_SIZE:
            return row, col
        return None


def window_size(desktop: tuple[int, int] | None) -> tuple[int, int]:
    """The window's size: `DEFAULT_SIZE`, made smaller to fit a `desktop` (width, height) with
    room for its title bar and task bar.

    >>> window_size(None), window_size((1366, 768)), window_size((640, 480))
    ((800, 896), (800, 668), (600, 380))
    """
    if desktop is None:
        return DEFAULT_SIZE
    return min(DEFAULT_SIZE[0], desktop[0] - 40), min(DEFAULT_SIZE[1], desktop[1] - 100)


def wrap(text: str, fits) -> list[str]:
    """`text` in lines that each `fits` (a test of a line), broken between words.

    >>> wrap("one two three four", lambda line: len(line) <= 9)
    ['one two', 'three', 'four']
    >>> wrap("", lambda line: True)
    ['']
    """
    lines: list[str] = []
    for word in text.split(" "):
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def cjk_font() -> str | None:
    """The file of an installed font with Chinese, Japanese and Korean characters, if any."""
    return next(filter(None, map(pygame.font.match_font, CJK_FONTS)), None)


def percent_label(probability: float) -> str:
    """Short percentage for a heat-map label.

    >>> percent_label(0.234), percent_label(0.0312), percent_label(0.0004)
    ('23%', '3.1%', '<0.1%')
    """
    if probability >= 0.095:
        return f"{100 * probability:.0f}%"
    if probability >= 0.001:
        return f"{100 * probability:.1f}%"
    return "<0.1%"


def heat_strength(probability: float) -> float:
    """Where a probability lies on the heat map's log scale: 0.1% -> 0, 100% -> 1.

    An absolute scale, so a flat distribution (an untrained network) looks flat and faint.

    >>> heat_strength(1.0), round(heat_strength(0.01), 3), round(heat_strength(1 / 361), 3)
    (1.0, 0.333, 0.147)
    >>> heat_strength(0.0005), heat_strength(0)
    (0.0, 0.0)
    """
    if probability <= 0:
        return 0.0
    return float(np.clip(1 + np.log10(probability) / 3, 0.0, 1.0))


def heat_colour(strength: float) -> tuple[int, int, int, int]:
    """RGBA of a heat-map disc: blue and faint for weak moves, red and solid for strong ones.

    >>> heat_colour(0.0), heat_colour(1.0)
    ((50, 110, 255, 130), (235, 40, 40, 220))
    """
    rgb = np.rint(COLD + (HOT - COLD) * strength).astype(int)
    return (*(int(c) for c in rgb), round(130 + 90 * strength))


# --- session: the game and the player's actions, no pygame ---------------------------------


class Session:
    """A game against the network (or a loaded record to step through and continue).

    The game's line (`Game.line`) is what Left/Right walk; the board shows its first `cursor`
    moves, and a move played before its end replaces the rest. The network plays only in
    answer to the human (or G), never because the player stepped through the record.
    """

    def __init__(self, game: Game, human: str | None = None) -> None:
        self.game = game
        self.komi = game.komi  # of every new game; a loaded game brings its own
        self.human = human  # None: the start screen asks
        self.heatmap = True
        self.ownership = False  # the playouts' estimate of who owns each point (O)
        self.message = ""
        self._cache: tuple[tuple, np.ndarray] | None = None
        self.new_game()

    # state
    @property
    def position(self) -> Position:
        return self.game.position

    @property
    def moves(self) -> list[Move]:
        """The game line: the moves shown, then those stepped back over."""
        return self.game.line

    @property
    def cursor(self) -> int:
        return len(self.position.history)

    @property
    def network(self) -> str | None:
        return None if self.human is None else opponent(self.human)

    @property
    def next_move(self) -> Move | None:
        """The record's move after the shown position, when stepping through a game."""
        return self.game.next_move

    @property
    def network_to_play(self) -> bool:
        """Whether the network moves next: on its turn, or the human's after G, unless the
        game is over or the player is stepping through a record."""
        if self.human is None or self.result is not None or self.browsing:
            return False
        return self.asked or self.position.to_move == self.network

    @property
    def counted(self) -> bool:
        """Whether the game ended by two passes and the board shows the count."""
        return self.result is not None and self.game.resigned is None

    def toggle_ownership(self) -> None:
        """Show or hide the playouts' estimate of who owns each point (O)."""
        self.ownership = not self.ownership
        if self.ownership and not self.counted:
            margin = self.game.estimate().score
            leader = "Black" if margin > 0 else "White"
            self.message = (
                f"Ownership from {self.game.playouts} random playouts: {leader} ahead by "
                f"{abs(margin):.1f} on average (komi {self.game.komi:g})."
            )

    def owners(self) -> tuple[np.ndarray, list[Point]]:
        """Who owns each point (19, 19; +1 Black, -1 White) and the dead stones: at the end
        of a game the count (dead stones off, then area), before it the playouts' estimate."""
        if self.game.over and self.game.resigned is None:
            dead = self.game.dead_stones()
            return area(self.position, dead).astype(np.float32), dead
        estimate = self.game.estimate()
        return estimate.ownership, estimate.dead(self.position)

    def probabilities(self) -> np.ndarray:
        """The network's move probabilities for the player to move (cached per position)."""
        key = (self.game.setup, tuple(self.position.history))
        if self._cache is None or self._cache[0] != key:
            self._cache = key, self.game.probabilities(self.position.to_move)
        return self._cache[1]

    # actions
    def choose_colour(self, colour: str) -> None:
        """Set the human's colour: a new game, or the loaded one to continue."""
        self.human = colour
        if self.moves:
            self.message = "Step with Left/Right, click to continue from the position shown."
        else:
            self.new_game()

    def new_game(self) -> None:
        self.game.reset()
        self.game.komi = self.komi
        self.result: str | None = None
        self.asked = self.browsing = False
        self.message = "New game." if self.human else "Choose your colour: B or W."

    def load(self, path: str | Path) -> bool:
        """Load the first game of an SGF file at its last move, ready to step back or continue;
        False (and the message says why) when it cannot be loaded."""
        from sgf_data import read_games

        try:
            record = next(iter(read_games(path)), None)
        except (OSError, ValueError) as error:
            self.message = f"{error}: choose an SGF game record"
            return False
        if record is None:
            self.message = f"{path}: no usable 19x19 game in this file (see the warning above)"
            return False
        self.game.load(record)
        self.result, self.asked, self.browsing = None, False, True
        self.message = (
            f"Loaded {Path(path).name}: {record.black} vs {record.white}, {record.result}"
        )
        return True

    def click(self, point: Point) -> None:
        """The human plays at `point` (refused with the reason when illegal)."""
        if not self._may_play():
            return
        try:
            self.game.play(self.human, point)
        except IllegalMove as error:
            self.message = f"Illegal move: {error}"
            return
        self.browsing = False
        self._after_move()

    def pass_move(self) -> None:
        if self._may_play():
            self.game.play(self.human, None)
            self.browsing = False
            self._after_move()

    def resign(self) -> None:
        if self.human and self.result is None:
            self.game.resign(self.human)
            self.result = self.game.result()
            self.message = f"You resigned: {self.result}"

    def undo(self) -> None:
        """Take back the human's last move and the network's answer to it."""
        if self.human is None or self.cursor == 0:
            self.message = "Nothing to undo."
            return
        self.game.undo()
        while self.cursor > 0 and self.position.to_move != self.human:
            self.game.undo()
        self.result, self.asked, self.browsing = None, False, False
        self.message = f"Undone: move {self.cursor + 1} again."

    def step(self, delta: int) -> None:
        """Walk the game line one move back (-1) or forward (+1)."""
        if delta < 0 and self.cursor > 0:
            self.game.step_back()
        elif delta > 0 and self.next_move is not None:
            self.game.step_forward()
        self.browsing = True
        ring = " (ring: the record's next move)" if self.next_move else ""
        self.message = f"Move {self.cursor} of {len(self.moves)}{ring}."

    def ask_network(self) -> None:
        """Let the network play the side to move here (G); then the game goes on from there."""
        if self.human is not None and self.result is None:
            self.asked, self.browsing = True, False

    def update(self) -> bool:
        """Play the network's move when one is due; True if it played."""
        if not self.network_to_play:
            return False
        choice = self.game.genmove(self.position.to_move)
        self.asked = False
        if choice == RESIGN:
            self.result = self.game.result()
            self.message = f"The network resigns: {self.result}."
            return True
        self.message = f"Network: {to_gtp(choice)}."
        self._after_move()
        return True

    def save(self, directory: str | Path = ".") -> Path:
        """Write the game line as SGF; returns the file's path."""
        record = self.game.record(self.moves)
        root = record.get_root()
        if self.human:
            root.set("P" + self.human.upper(), "Human")
            root.set("P" + self.network.upper(), self.game.name)
        if self.result:
            root.set("RE", self.result)
        path = Path(directory) / time.strftime("alphago-policy-%Y%m%d-%H%M%S.sgf")
        write_sgf(record, path)
        self.message = f"Saved {path}"
        return path

    def status(self) -> str:
        """The line under the board: who plays what, whose turn, captures."""
        captures = self.position.captures
        turn = "Black" if self.position.to_move == "b" else "White"
        who = f"You: {'Black' if self.human == 'b' else 'White'}" if self.human else "Start"
        return (
            f"{who} | move {self.cursor} | {turn} to play | captures: "
            f"Black {captures['b']}, White {captures['w']} | komi {self.game.komi:g}"
        )

    def _may_play(self) -> bool:
        if self.human is None:
            self.message = "Choose your colour first: B or W."
        elif self.result is not None:
            self.message = f"Game over ({self.result}): N for a new game."
        elif self.position.to_move != self.human:
            self.message = "Not your turn: G lets the network play, arrows step."
        else:
            return True
        return False

    def _after_move(self) -> None:
        """After a move: the result, with the count on the board, if it ended the game."""
        if self.game.over:
            self.result = self.game.result()
            dead = len(self.game.dead_stones())
            self.message = (
                f"Game over: {self.result} (area count; {dead} dead stones taken off, marked x)."
            )
        elif self.network_to_play:
            self.message = f"You: {to_gtp(self.position.history[-1][1])}."


# --- app: events and drawing ---------------------------------------------------------------


class App:
    """The pygame window: turns events into Session actions and draws the session."""

    def __init__(
        self, screen: pygame.Surface, session: Session, save_dir: Path = Path(".")
    ) -> None:
        self.screen, self.session, self.save_dir = screen, session, save_dir
        self.running = True
        self.warned = False  # about a font without the characters of a name
        self.relayout()

    def relayout(self) -> None:
        """Fonts and geometry for the window's size: the panel grows when its lines wrap."""
        width, height = self.screen.get_size()
        font = cjk_font()  # pygame draws its own font 0.69 times as large as a file's
        self.panel_font = pygame.font.Font(font, 16) if font else pygame.font.Font(None, 22)
        pygame.freetype.init()
        self.glyphs = pygame.freetype.Font(font, 16)  # says which characters it lacks
        fixed = len(self.wrapped(self.network_line()[0])) + len(self.wrapped(HELP))
        self.panel_height = 12 + PANEL_LINE * (fixed + 4)  # status and message: 2 lines each
        self.layout = Layout.fit(width, height, self.panel_height)
        size = max(int(self.layout.spacing * 0.55), 8)
        self.font = pygame.font.Font(None, size)
        self.small_font = pygame.font.Font(None, max(int(self.layout.spacing * 0.42), 8))

    def wrapped(self, text: str, most: int | None = None) -> list[str]:
        """`text` in lines as wide as the panel (at most `most`, the last one cut short)."""
        room = self.screen.get_width() - 20
        lines = wrap(text, lambda line: self.panel_font.size(line)[0] <= room)
        if most is not None and len(lines) > most:
            lines = [*lines[: most - 1], " ".join(lines[most - 1 :])]
            while lines[-1] and self.panel_font.size(lines[-1] + "...")[0] > room:
                lines[-1] = lines[-1][:-1]
            lines[-1] += "..."
        return lines

    def network_line(self) -> tuple[str, tuple[int, int, int]]:
        game = self.session.game
        if game.policy.trained:
            return game.name, TEXT
        return game.name + ": it plays random moves", WARNING

    def wait_for(self, work, *args) -> None:
        """Do `work` (the warm-up) with a word on the board and on stderr about the wait."""
        print(f"alphago-policy play: {WARMING_UP}", file=sys.stderr, flush=True)
        message, self.session.message = self.session.message, "Warming up: " + WARMING_UP
        self.draw()
        pygame.display.flip()
        seconds = work(*args)
        print(f"alphago-policy play: ready ({seconds:.1f} s)", file=sys.stderr, flush=True)
        self.session.message = message

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
            point = self.layout.point_at(*event.pos)
            if point is not None:
                session.click(point)
        elif event.type == pygame.KEYDOWN:
            self.key(event.key)

    def key(self, key: int) -> None:
        session = self.session
        actions = {
            pygame.K_h: self.toggle_heatmap,
            pygame.K_o: session.toggle_ownership,
            pygame.K_p: session.pass_move,
            pygame.K_u: session.undo,
            pygame.K_BACKSPACE: session.undo,
            pygame.K_g: session.ask_network,
            pygame.K_n: session.new_game,
            pygame.K_r: session.resign,
            pygame.K_s: lambda: session.save(self.save_dir),
            pygame.K_l: self.load_dialog,
            pygame.K_LEFT: lambda: session.step(-1),
            pygame.K_RIGHT: lambda: session.step(1),
            pygame.K_ESCAPE: self.quit,
        }
        if session.human is None and key in (pygame.K_b, pygame.K_w):
            session.choose_colour("b" if key == pygame.K_b else "w")
        elif key in actions:
            actions[key]()

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
        if path:
            self.session.load(path)

    # drawing
    def draw(self) -> None:
        session = self.session
        self.screen.fill(WOOD)
        self.draw_grid()
        if session.heatmap and session.human is not None and session.result is None:
            self.draw_heatmap()
        self.draw_stones()
        if session.human is not None and (session.ownership or session.counted):
            self.draw_owners()
        self.draw_panel()
        if self.session.human is None:
            self.draw_menu()

    def draw_grid(self) -> None:
        layout, width = self.layout, max(1, round(self.layout.spacing / 28))
        last = BOARD_SIZE - 1
        for i in range(BOARD_SIZE):
            pygame.draw.line(
                self.screen, LINE, layout.pixel((i, 0)), layout.pixel((i, last)), width
            )
            pygame.draw.line(
                self.screen, LINE, layout.pixel((0, i)), layout.pixel((last, i)), width
            )
            letter = to_gtp((0, i))[0]
            self.text(letter, self.small_font, LINE, self._offset((0, i), 0, 0.75))
            self.text(letter, self.small_font, LINE, self._offset((last, i), 0, -0.75))
            self.text(str(i + 1), self.small_font, LINE, self._offset((i, 0), -0.75, 0))
            self.text(str(i + 1), self.small_font, LINE, self._offset((i, last), 0.75, 0))
        for row in STAR_POINTS:
            for col in STAR_POINTS:
                radius = max(2, round(layout.spacing * 0.1))
                pygame.draw.circle(self.screen, LINE, layout.pixel((row, col)), radius)

    def draw_heatmap(self) -> None:
        """A disc on every move the network gives 0.1% or more, the top moves labelled in %."""
        probabilities = self.session.probabilities()
        overlay = pygame.Surface(self.screen.get_size(), pygame.SRCALPHA)
        radius = self.layout.spacing * 0.46
        for row, col in zip(*np.nonzero(probabilities >= 0.001), strict=True):
            strength = heat_strength(float(probabilities[row, col]))
            centre = self.layout.pixel((int(row), int(col)))
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
            self.text(percent_label(probability), self.small_font, colour, self.layout.pixel(point))

    def draw_stones(self) -> None:
        layout, position = self.layout, self.session.position
        radius = round(layout.spacing * 0.47)
        stones = position.stones()
        for row, col in zip(*np.nonzero(stones), strict=True):
            centre = layout.pixel((int(row), int(col)))
            colour, edge = (BLACK, BLACK) if stones[row, col] == 1 else (WHITE, (120, 120, 120))
            pygame.draw.circle(self.screen, colour, centre, radius)
            pygame.draw.circle(self.screen, edge, centre, radius, max(1, radius // 12))
        history = position.history
        if history and history[-1][1] is not None:
            mark = max(3, round(layout.spacing * 0.14))
            pygame.draw.circle(self.screen, LAST_MOVE, layout.pixel(history[-1][1]), mark)
        upcoming = self.session.next_move
        if upcoming and upcoming[1] is not None:
            pygame.draw.circle(self.screen, NEXT_MOVE, layout.pixel(upcoming[1]), radius, 3)

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
            side = round(self.layout.spacing * 0.5 * abs(value))
            rect = pygame.Rect(0, 0, side, side)
            rect.center = self.layout.pixel((int(row), int(col)))
            pygame.draw.rect(overlay, (*(BLACK if value > 0 else WHITE), 210), rect)
        self.screen.blit(overlay, (0, 0))
        arm = round(self.layout.spacing * 0.25)
        for point in dead:
            x, y = self.layout.pixel(point)
            for dx in (-arm, arm):
                pygame.draw.line(self.screen, LAST_MOVE, (x - dx, y - arm), (x + dx, y + arm), 3)

    def panel_lines(self) -> list[tuple[str, tuple[int, int, int]]]:
        """The panel's lines, wrapped to the window: the network, the game, the last message
        (two lines each at most) and the keys."""
        network, colour = self.network_line()
        parts = [
            (self.wrapped(network), colour),
            (self.wrapped(self.session.status(), 2), TEXT),
            (self.wrapped(self.session.message, 2), TEXT),
            (self.wrapped(HELP), (160, 160, 160)),
        ]
        return [(line, colour) for lines, colour in parts for line in lines]

    def draw_panel(self) -> None:
        width, height = self.screen.get_size()
        top = height - self.panel_height
        pygame.draw.rect(self.screen, PANEL, (0, top, width, self.panel_height))
        for i, (line, colour) in enumerate(self.panel_lines()):
            self.warn_missing_glyphs(line)
            image = self.panel_font.render(line, True, colour)
            self.screen.blit(image, (10, top + 6 + PANEL_LINE * i))

    def lacks_glyphs(self, text: str) -> bool:
        """Whether the panel's font has no glyph for some character of `text`."""
        return None in self.glyphs.get_metrics(text)

    def warn_missing_glyphs(self, text: str) -> None:
        """Say once on stderr when the panel's font lacks characters of `text` (a name in
        Chinese, Japanese or Korean without such a font installed): they show as boxes."""
        if self.warned or not self.lacks_glyphs(text):
            return
        self.warned = True
        print(
            f"alphago-policy play: no installed font has all the characters of {text!r}, so "
            "they show as boxes; install a Chinese, Japanese and Korean font (Debian and "
            "Ubuntu: apt install fonts-noto-cjk) and start the board again",
            file=sys.stderr,
        )

    def draw_menu(self) -> None:
        width, height = self.screen.get_size()
        shade = pygame.Surface((width, height - self.panel_height), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        self.screen.blit(shade, (0, 0))
        centre = (width // 2, (height - self.panel_height) // 2)
        title = pygame.font.Font(None, max(24, int(self.layout.spacing * 1.2)))
        self.text("Play against the AlphaGo policy network", title, TEXT, centre)
        below = (centre[0], centre[1] + int(self.layout.spacing * 1.5))
        self.text("B: play Black (first)    W: play White", self.font, TEXT, below)

    def text(self, text: str, font: pygame.font.Font, colour, centre) -> None:
        image = font.render(text, True, colour)
        self.screen.blit(image, image.get_rect(center=centre))

    def _offset(self, point: Point, dx: float, dy: float) -> tuple[int, int]:
        x, y = self.layout.pixel(point)
        return round(x + dx * self.layout.spacing), round(y + dy * self.layout.spacing)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    width = max(len(key) for key, _, _ in KEYS)
    parser.epilog = "keys:\n" + "\n".join(f"  {key:<{width}}  {what}" for key, _, what in KEYS)
    parser.add_argument("--colour", "--color", choices=("b", "w"), help="your colour")
    parser.add_argument("--weights", help="weights file (default: the shipped weights)")
    parser.add_argument("--sgf", type=Path, help="an SGF game to load, step through and continue")
    parser.add_argument("--move", type=int, help="show the --sgf game after this many moves")
    parser.add_argument("--screenshot", type=Path, help="save the first frame as PNG and exit")
    parser.add_argument("--temperature", type=float, default=0.0, help="0 plays the best move")
    parser.add_argument("--komi", type=float, default=DEFAULT_KOMI, help="komi of new games")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: fastest)")
    parser.add_argument("--save-dir", type=Path, default=Path("."), help="where S saves games")
    parser.add_argument(
        "--size",
        type=int,
        nargs=2,
        metavar=("W", "H"),
        help=f"window size (default {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}, less on a small screen)",
    )


def has_display() -> bool:
    """Whether there is a screen to open a window on (on Linux and the BSDs: an X11 or
    Wayland display; elsewhere there always is)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def problem(args: argparse.Namespace) -> str | None:
    """What makes the command line unusable, said so that the user knows what to do."""
    if args.sgf is not None and not args.sgf.is_file():
        return f"--sgf {args.sgf}: no such file: give the path of an SGF game record"
    if args.move is not None and (args.move < 0 or args.sgf is None):
        return f"--move {args.move}: give a number of moves, 0 or more, of an --sgf game"
    if args.screenshot is not None and not args.screenshot.parent.is_dir():
        return (
            f"--screenshot {args.screenshot}: the folder {args.screenshot.parent} does not "
            "exist: create it, or save the screenshot elsewhere"
        )
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
    session = Session(Game(policy, args.temperature, komi=args.komi), args.colour)
    if args.sgf is not None:
        if not session.load(args.sgf):
            print(f"alphago-policy play: --sgf {session.message}", file=sys.stderr)
            return 1
        for _ in range(len(session.moves) - (args.move or len(session.moves))):
            session.step(-1)
    app = App(open_window(args), session, args.save_dir)
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
    parser = argparse.ArgumentParser(prog="alphago-play", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
