"""The 8 symmetries of the board (4 rotations, each with or without a transposition), as
applied to feature planes, to flat point indices and to move labels.

Training shows each position under a random one of them (the paper's augmentation), and
`evaluate --symmetries` averages the network over all 8, mapping each output back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from sgf_data.coords import BOARD_SIZE, NUM_POINTS, PASS_INDEX

NUM_SYMMETRIES = 8


def transform(board: np.ndarray, k: int) -> np.ndarray:
    """Symmetry k of the board(s) in the last two axes: k % 4 quarter turns, then a
    transposition when k >= 4. Works on numpy arrays and torch tensors alike.

    >>> transform(np.array([[1, 2], [3, 4]]), 1).tolist()
    [[2, 4], [1, 3]]
    """
    if isinstance(board, torch.Tensor):
        board = torch.rot90(board, k % 4, dims=(-2, -1))
        return board.transpose(-2, -1) if k >= 4 else board
    board = np.rot90(board, k % 4, axes=(-2, -1))
    return np.swapaxes(board, -2, -1) if k >= 4 else board


def point_permutations() -> tuple[np.ndarray, np.ndarray]:
    """For each symmetry k: GATHER[k][i] = the old flat index that lands on flat index i,
    and MOVE[k][j] = where old flat index j goes (a pass, PASS_INDEX, stays a pass)."""
    grid = np.arange(NUM_POINTS).reshape(BOARD_SIZE, BOARD_SIZE)
    gather = np.stack([transform(grid, k).ravel() for k in range(NUM_SYMMETRIES)])
    move = np.empty((NUM_SYMMETRIES, NUM_POINTS + 1), np.int64)
    move[:, PASS_INDEX] = PASS_INDEX
    for k in range(NUM_SYMMETRIES):
        move[k, gather[k]] = np.arange(NUM_POINTS)
    return gather, move


GATHER, MOVE = point_permutations()


def inverse(k: int) -> int:
    """The symmetry that undoes symmetry k (to map a network's output on a turned board back,
    when averaging over the 8 symmetries).

    >>> [inverse(k) for k in range(NUM_SYMMETRIES)]
    [0, 3, 2, 1, 4, 5, 6, 7]
    """
    identity = np.arange(NUM_POINTS)
    return next(j for j in range(NUM_SYMMETRIES) if (GATHER[k][GATHER[j]] == identity).all())


def symmetry(planes: np.ndarray, label: int, k: int) -> tuple[np.ndarray, int]:
    """Symmetry k (0 = identity) of planes (..., 19, 19) and of the move label with them.

    >>> board = np.zeros((1, 19, 19), np.uint8); board[0, 0, 3] = 1  # D1: row 0, col 3
    >>> turned, label = symmetry(board, 3, 1)
    >>> int(np.flatnonzero(turned[0])[0]) == label
    True
    """
    return np.ascontiguousarray(transform(planes, k)), int(MOVE[k, label])


def averaged_probabilities(
    logits_of: Callable[[np.ndarray], np.ndarray], planes: np.ndarray
) -> np.ndarray:
    """Move probabilities (361,) of one position averaged over the 8 symmetries: its feature
    planes (C, 19, 19) turned 8 ways and evaluated by `logits_of` as one batch (8, 361), each
    row's softmax turned back onto the original board, then their mean.

    >>> uniform = averaged_probabilities(lambda x: np.zeros((len(x), NUM_POINTS)),
    ...                                  np.zeros((2, BOARD_SIZE, BOARD_SIZE)))
    >>> bool(np.allclose(uniform, 1 / NUM_POINTS))
    True
    """
    batch = np.stack([transform(planes, k) for k in range(NUM_SYMMETRIES)])
    logits = np.asarray(logits_of(batch), np.float64)
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    turned = weights / weights.sum(axis=1, keepdims=True)
    back = np.stack([turned[k, MOVE[k, :NUM_POINTS]] for k in range(NUM_SYMMETRIES)])
    return back.mean(axis=0)
