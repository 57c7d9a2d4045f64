"""How well a policy predicts the moves played: loss (mean negative log-likelihood), top-1 and
top-k accuracy, the one arithmetic of training's validation and of `evaluate`.

`batch_figures` sums a batch on its device without a synchronisation (training adds them up,
across processes too, and reads them once with `mean_figures`); `Tally` keeps the same sums per
phase of the game, with top-5, for `evaluate` and `ship`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

PHASES = ("moves 1-50", "moves 51-150", "moves 151+")
PHASE_ENDS = np.array([50, 150])  # the last move number of each phase but the last
TOP_K = 5


def top_hits(logits: torch.Tensor, labels: torch.Tensor, k: int) -> torch.Tensor:
    """bool (B, k): whether the move played is the network's 1st, 2nd ... k-th choice.

    >>> top_hits(torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4]]), torch.tensor([2, 0]), 2)
    tensor([[False,  True],
            [ True, False]])
    """
    return logits.topk(k, dim=1).indices == labels[:, None]


def batch_figures(
    loss_sum: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """(loss sum, top-1 hits, positions) of a batch as float64, left on its device.

    >>> logits = torch.tensor([[0.1, 0.9], [0.8, 0.2]])
    >>> batch_figures(torch.tensor(3.0), logits, torch.tensor([1, 1]))
    tensor([3., 1., 2.], dtype=torch.float64)
    """
    correct = top_hits(logits, labels, 1).sum()
    count = correct.new_tensor(len(labels))
    return torch.stack([loss_sum.double(), correct.double(), count.double()])


def mean_figures(totals: torch.Tensor) -> dict[str, float | int]:
    """Summed `batch_figures` as the mean loss, the top-1 accuracy and the positions counted
    (nothing for no positions).

    >>> mean_figures(torch.tensor([6.0, 1.0, 4.0], dtype=torch.float64))
    {'loss': 1.5, 'accuracy': 0.25, 'positions': 4}
    >>> mean_figures(torch.zeros(3))
    {}
    """
    loss, correct, count = totals.tolist()
    if count == 0:
        return {}
    return {"loss": loss / count, "accuracy": correct / count, "positions": int(count)}


def phase_of(move_numbers: np.ndarray) -> np.ndarray:
    """The phase index (0, 1, 2) of each move number (counted from 1).

    >>> phase_of(np.array([1, 50, 51, 150, 151, 300])).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    return np.searchsorted(PHASE_ENDS, move_numbers, side="left")


def _per_phase() -> np.ndarray:
    return np.zeros(len(PHASES), np.int64)


@dataclass
class Tally:
    """Running sums per phase: positions, top-1 hits, top-5 hits, negative log-likelihood."""

    positions: np.ndarray = field(default_factory=_per_phase)
    top1: np.ndarray = field(default_factory=_per_phase)
    top5: np.ndarray = field(default_factory=_per_phase)
    nll: np.ndarray = field(default_factory=lambda: np.zeros(len(PHASES), np.float64))

    def add(self, logits: torch.Tensor, labels: torch.Tensor, move_numbers: np.ndarray) -> None:
        """Count one batch: logits (B, 361), labels (B,), move numbers (B,)."""
        logits = logits.float()
        hit = top_hits(logits, labels, TOP_K)
        nll = F.cross_entropy(logits, labels, reduction="none")
        phase = phase_of(np.asarray(move_numbers))
        top1, top5, nll_sum = (
            np.bincount(phase, weights=v, minlength=len(PHASES))
            for v in (hit[:, 0].cpu().numpy(), hit.any(1).cpu().numpy(), nll.double().cpu().numpy())
        )
        self.positions += np.bincount(phase, minlength=len(PHASES))
        self.top1 += top1.astype(np.int64)
        self.top5 += top5.astype(np.int64)
        self.nll += nll_sum

    def rows(self) -> list[dict[str, float | int | str | None]]:
        """One row per phase, then the whole: positions, top1, top5 (fractions), nll (mean);
        the figures are None for a phase without positions (games that end before it)."""
        groups = [(name, slice(i, i + 1)) for i, name in enumerate(PHASES)]
        rows = []
        for name, part in [*groups, ("all", slice(None))]:
            n = int(self.positions[part].sum())
            rows.append(
                {
                    "phase": name,
                    "positions": n,
                    "top1": float(self.top1[part].sum() / n) if n else None,
                    "top5": float(self.top5[part].sum() / n) if n else None,
                    "nll": float(self.nll[part].sum() / n) if n else None,
                }
            )
        return rows
