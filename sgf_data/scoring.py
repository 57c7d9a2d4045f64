"""How a game ends and is counted: two passes in a row, area (Chinese) scoring, the result.

These are rules of Go, beside the rules engine (`sgf_data.board`), so the GTP engine, the board
and the benchmarks end and count a game the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sgf_data.coords import Move


def ended_by_passes(moves: Sequence[Move]) -> bool:
    """Whether the last two moves were passes, which ends the game.

    >>> ended_by_passes([("b", (3, 3)), ("w", None), ("b", None)])
    True
    >>> ended_by_passes([("b", None), ("w", (3, 3)), ("b", None)]), ended_by_passes([])
    (False, False)
    """
    return len(moves) >= 2 and moves[-1][1] is None and moves[-2][1] is None


def area_score(stones: np.ndarray, komi: float) -> float:
    """Black's area minus White's area minus komi: stones plus empty regions bordered by one colour.

    `stones` is 0 empty, 1 black, 2 white, with dead stones already taken off (the caller's
    judgement: every stone given here counts as alive).

    >>> area_score(np.array([[0, 1, 0], [1, 1, 2], [0, 2, 0]]), 0.5)  # 4 points to 3; 2 dame
    0.5
    >>> area_score(np.zeros((3, 3), dtype=np.int8), 7.5)
    -7.5
    """
    size = stones.shape[0]
    area = {1: int((stones == 1).sum()), 2: int((stones == 2).sum())}
    seen = np.zeros(stones.shape, dtype=bool)
    for start in zip(*np.nonzero(stones == 0), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        region, borders, frontier = 0, set(), [start]
        while frontier:
            row, col = frontier.pop()
            region += 1
            for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
                if 0 <= r < size and 0 <= c < size:
                    if stones[r, c]:
                        borders.add(int(stones[r, c]))
                    elif not seen[r, c]:
                        seen[r, c] = True
                        frontier.append((r, c))
        if len(borders) == 1:
            area[borders.pop()] += region
    return area[1] - area[2] - komi


def format_result(margin: float) -> str:
    """GTP/SGF result of Black's winning margin.

    >>> format_result(3.5), format_result(-7.5), format_result(0.0)
    ('B+3.5', 'W+7.5', '0')
    """
    if margin == 0:
        return "0"
    return f"{'B' if margin > 0 else 'W'}+{abs(margin):g}"
