"""How a game ends and is counted: two passes in a row, the area (Chinese) count, the result.

These are rules of Go, beside the rules engine (`sgf_data.board`), so the GTP engine, the board
and the benchmarks end and count a game the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from sgf_data.board import BLACK, EMPTY, NEIGHBOURS, NO_POINT, WHITE, Position, kernel
from sgf_data.coords import BOARD_SIZE, NUM_POINTS, Move, Point, to_index


def ended_by_passes(moves: Sequence[Move]) -> bool:
    """Whether the last two moves were passes, which ends the game.

    >>> ended_by_passes([("b", (3, 3)), ("w", None), ("b", None)])
    True
    >>> ended_by_passes([("b", None), ("w", (3, 3)), ("b", None)]), ended_by_passes([])
    (False, False)
    """
    return len(moves) >= 2 and moves[-1][1] is None and moves[-2][1] is None


@kernel
def area_owners(colour, owner, queue):
    """Chinese area: ``owner[p]`` is the colour of the stone at p, or of the only colour
    bordering p's empty region, else EMPTY (dame, seki); ``queue`` is scratch of 361."""
    owner[:] = -1
    for point in range(NUM_POINTS):
        if colour[point] != EMPTY:
            owner[point] = colour[point]
        elif owner[point] == -1:  # a new region: breadth first, its points queue up
            borders = 0  # bit set of the colours met: 1 black, 2 white
            queue[0] = point
            owner[point] = -2
            end = 1
            done = 0
            while done < end:
                here = queue[done]
                done += 1
                for neighbour in NEIGHBOURS[here]:
                    if neighbour == NO_POINT:
                        break
                    if colour[neighbour] != EMPTY:
                        borders |= colour[neighbour]
                    elif owner[neighbour] == -1:
                        owner[neighbour] = -2
                        queue[end] = neighbour
                        end += 1
            found = borders if borders != BLACK | WHITE else EMPTY
            for k in range(end):
                owner[queue[k]] = found


def area(position: Position, dead: Iterable[Point] = ()) -> np.ndarray:
    """Who owns each point at the count (int8 (19, 19): +1 Black, -1 White, 0 neither): the
    `dead` stones taken off, then each stone and each empty region bordered by one colour
    only (Chinese area; dame and the liberties of a seki count for neither).

    >>> wall = [(2, 0), (2, 1), (0, 2), (1, 2)]  # Black closes the corner A1-B2 ...
    >>> position = Position.from_setup(black=wall, white=[(0, 0), (5, 5)])  # ... on White A1
    >>> owners = area(position, dead=[(0, 0)])
    >>> int(owners[0, 0]), int((owners == 1).sum()), int(owners[5, 5]), int((owners == 0).sum())
    (1, 8, -1, 352)
    """
    colour = position.state.colour.copy()
    for point in dead:
        colour[to_index(point)] = EMPTY
    owner = np.empty(NUM_POINTS, dtype=np.int8)
    area_owners(colour, owner, np.empty(NUM_POINTS, dtype=np.int16))
    plane = np.select([owner == BLACK, owner == WHITE], [1, -1], 0).astype(np.int8)
    return plane.reshape(BOARD_SIZE, BOARD_SIZE)


def format_result(margin: float) -> str:
    """GTP/SGF result of Black's winning margin.

    >>> format_result(3.5), format_result(-7.5), format_result(0.0)
    ('B+3.5', 'W+7.5', '0')
    """
    if margin == 0:
        return "0"
    return f"{'B' if margin > 0 else 'W'}+{abs(margin):g}"
