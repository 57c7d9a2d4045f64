"""What the board window shows, worked out without pygame: where the board lies in the window
(`BoardGeometry`, pixels <-> points), the window's size, the panel's line breaks, the heat map's
scale and colours, and which font draws which characters of a line.

The window itself (`alphago_policy.play`) draws with pygame; everything here is arithmetic that
a test checks without a display.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sgf_data.coords import BOARD_SIZE, Point

PANEL_HEIGHT = 96  # pixels under the board for the status lines, when none wraps
PANEL_LINE = 22  # pixels per line of the panel
DEFAULT_SIZE = (800, 896)  # the window, when the screen has room for it
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


@dataclass(frozen=True)
class BoardGeometry:
    """Where the board lies in the window: the top-left intersection (A19) and the spacing."""

    left: float
    top: float
    spacing: float

    @classmethod
    def fit(cls, width: int, height: int, panel: int = PANEL_HEIGHT) -> BoardGeometry:
        """The largest centred board above the status panel (`panel` pixels high), one spacing
        of margin for labels.

        >>> BoardGeometry.fit(800, 896)
        BoardGeometry(left=40.0, top=40.0, spacing=40.0)
        """
        board_height = max(height - panel, 1)
        spacing = min(width, board_height) / (BOARD_SIZE + 1)
        extent = (BOARD_SIZE - 1) * spacing
        return cls((width - extent) / 2, (board_height - extent) / 2, spacing)

    def pixel(self, point: Point) -> tuple[int, int]:
        """Pixel of an intersection; row 0 is the bottom line.

        >>> BoardGeometry(10, 10, 20).pixel((0, 0)), BoardGeometry(10, 10, 20).pixel((18, 18))
        ((10, 370), (370, 10))
        """
        row, col = point
        return round(self.left + col * self.spacing), round(
            self.top + (BOARD_SIZE - 1 - row) * self.spacing
        )

    def point_at(self, x: float, y: float) -> Point | None:
        """The intersection nearest to a pixel, None outside the board.

        >>> board = BoardGeometry(10, 10, 20)
        >>> board.point_at(18, 365), board.point_at(379, 0), board.point_at(0, 0)
        ((0, 0), (18, 18), (18, 0))
        >>> board.point_at(395, 200) is None
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


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
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


def font_runs(text: str, has: Sequence[Callable[[str], bool]]) -> list[tuple[str, int | None]]:
    """`text` cut into runs each drawn with one font: (run, index of the font), the font being
    the first whose test in `has` says it has the character's glyph, None where no font has it.

    Latin text thus goes to the first font (pygame's own), a name in Chinese to a font with
    Chinese characters, even one without Latin letters.

    >>> latin, cjk = str.isascii, (lambda c: not c.isascii())
    >>> font_runs("B+4.5 荒村 vs 楚", [latin, cjk])
    [('B+4.5 ', 0), ('荒村', 1), (' vs ', 0), ('楚', 1)]
    >>> font_runs("go 바둑", [latin]), font_runs("", [latin])
    ([('go ', 0), ('바둑', None)], [])
    """
    runs: list[tuple[str, int | None]] = []
    for character in text:
        index = next((i for i, test in enumerate(has) if test(character)), None)
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0] + character, index)
        else:
            runs.append((character, index))
    return runs


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
