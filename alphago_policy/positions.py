"""Game records -> coded positions -> tensors: the one path every reader of games takes.

`coded_games` replays each game and codes the 48 planes of every position (one uint16 per
point, see alphago_policy.encoding) with the move played as label; a game whose features fail
is skipped by one policy: named in a warning and recorded as an `sgf_data.reader.Skip`, like
the games the reader skips. `prepare`, `evaluate` and the training stream all read games so.

`Decoder` turns coded positions (numpy arrays or tensors) into network input on a device, with
one of the 8 symmetries per position where asked: the one conversion of codes to tensors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import numpy as np
import torch

from alphago_policy import encoding
from alphago_policy.layout import ARRAY_DTYPES
from alphago_policy.symmetries import GATHER, MOVE
from sgf_data.coords import BOARD_SIZE, NUM_POINTS, to_index
from sgf_data.features import planes
from sgf_data.reader import GameRecord, Skip

logger = logging.getLogger(__name__)

FEATURES_FAILED = "features failed"  # the reason of a game skipped here

Arrays = dict[str, np.ndarray]  # codes (N, 361), labels, games, plies (N,): layout.ARRAY_DTYPES


def game_positions(game: GameRecord, game_index: int) -> Arrays:
    """The positions of one game: codes, labels, games, plies (passes left out)."""
    codes, labels, plies = [], [], []
    for ply, (position, (_, point)) in enumerate(game.replay()):
        if point is None:
            continue
        codes.append(encoding.encode(planes(position)))
        labels.append(to_index(point))
        plies.append(ply)
    arrays = {
        "codes": np.reshape(codes, (-1, NUM_POINTS)),
        "labels": labels,
        "games": np.full(len(labels), game_index),
        "plies": plies,
    }
    return {name: np.asarray(data, ARRAY_DTYPES[name]) for name, data in arrays.items()}


def coded_games(
    games: Iterable[GameRecord], skipped: list[Skip], first_index: int = 0
) -> Iterator[tuple[GameRecord, Arrays]]:
    """Each game with its `game_positions` (the games numbered from `first_index`); a game
    whose features fail is skipped: one warning naming it, and its `Skip` put in `skipped`."""
    for index, game in enumerate(games, start=first_index):
        try:
            arrays = game_positions(game, index)
        except Exception as error:  # one broken game skips that game only
            detail = f"{game.game_id}: {type(error).__name__}: {error}"
            skip = Skip(game.source, None, None, FEATURES_FAILED, detail)
            skipped.append(skip)
            logger.warning("skipped %s", skip)
            continue
        yield game, arrays


def joined(parts: list[Arrays]) -> Arrays:
    """The positions of several games as one set of arrays (empty arrays for none).

    >>> {name: array.shape for name, array in joined([]).items()}
    {'codes': (0, 361), 'labels': (0,), 'games': (0,), 'plies': (0,)}
    """
    if not parts:
        return {
            name: np.zeros((0, NUM_POINTS) if name == "codes" else 0, dtype)
            for name, dtype in ARRAY_DTYPES.items()
        }
    return {name: np.concatenate([part[name] for part in parts]) for name in ARRAY_DTYPES}


def as_tensors(
    codes: np.ndarray, labels: np.ndarray, ks: np.ndarray | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Coded positions as CPU tensors, sharing the arrays' memory where it can: codes uint16
    viewed as int16 (torch indexes with neither, and no code reaches 2**15), labels int64,
    symmetries int64 (or None)."""
    codes = np.ascontiguousarray(codes, np.uint16).view(np.int16)
    tensors = torch.from_numpy(codes), torch.from_numpy(np.asarray(labels, np.int64))
    return (*tensors, None if ks is None else torch.from_numpy(np.asarray(ks, np.int64)))


class Decoder:
    """Codes -> float planes on a device: a symmetry is a gather of points, the planes one
    `index_select` of table rows. The output (69 KB a position in float32) is what costs:
    channels_last reads the float table straight into that layout; the default NCHW layout
    transposes the uint8 rows first (4x fewer bytes to move) and converts last."""

    def __init__(
        self,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
        channels_last: bool = False,
    ):
        self.device = torch.device(device)
        self.dtype = dtype
        self.channels_last = channels_last
        self.table = torch.tensor(encoding.TABLE, device=self.device)
        if channels_last:
            self.table = self.table.to(dtype)
        self.gather = torch.tensor(GATHER, device=self.device)
        self.move = torch.tensor(MOVE, device=self.device)

    def __call__(
        self,
        codes: np.ndarray | torch.Tensor,
        labels: np.ndarray | torch.Tensor,
        ks: np.ndarray | torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """codes (B, 361), labels (B,), symmetries (B,) or None -> (x (B, 48, 19, 19), y).

        numpy arrays go through `as_tensors`; tensors are taken as they are (codes int16,
        pinned by the caller where that pays)."""
        if isinstance(codes, np.ndarray):
            codes, labels, ks = as_tensors(codes, labels, ks)
        codes = codes.to(self.device, non_blocking=True).int()
        labels = labels.to(self.device, non_blocking=True).long()
        if ks is not None:
            ks = ks.to(self.device, non_blocking=True)
            codes = torch.gather(codes, 1, self.gather[ks])
            labels = self.move[ks, labels]
        batch = len(codes)
        points = self.table.index_select(0, codes.view(-1)).view(batch, NUM_POINTS, -1)
        x = points.permute(0, 2, 1).reshape(batch, encoding.NUM_PLANES, BOARD_SIZE, BOARD_SIZE)
        return (x if self.channels_last else x.contiguous().to(self.dtype)), labels
