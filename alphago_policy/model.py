"""The policy network as players use it: load weights, predict move probabilities, save weights.

A weights file is a `torch.save` dict (read back with `weights_only=True`, so loading one runs
no code): the format tag, the architecture's width `k`, a model card (what it was trained on,
how well it does) and the state dict in half precision (3.9M parameters, about 8 MB).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

import cnn
from alphago_policy.files import atomic_open

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "policy.pt"  # the shipped network, whichever k: its card says
ARCHITECTURE = "alphago_policy"
FORMAT = "alphago_policy.weights/1"
DEFAULT_K = 192
UNTRAINED = "untrained (random) network"

_HOW_TO_GET = (
    "Fetch the shipped file again (`git lfs pull` if the repository stores it with Git LFS), "
    "or train one with `python -m alphago_policy train` (see alphago_policy/weights/README.md)."
)


class WeightsError(RuntimeError):
    """A weights file is missing, unreadable or not a policy network; says what to do."""


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The plain network inside DistributedDataParallel and/or `torch.compile` wrappers."""
    while True:
        inner = getattr(model, "module", None) or getattr(model, "_orig_mod", None)
        if inner is None:
            return model
        model = inner


def width(model: torch.nn.Module) -> int:
    """The number of filters k of a policy network: the first convolution's output channels."""
    first = next(m for m in unwrap(model).modules() if isinstance(m, torch.nn.Conv2d))
    return first.out_channels


def build(k: int = DEFAULT_K) -> torch.nn.Module:
    """A fresh policy network with k filters from the `cnn` registry, He-initialised by it."""
    return cnn.build(ARCHITECTURE, k=k)


def save_weights(model: torch.nn.Module, path: str | os.PathLike, card: Mapping[str, Any]) -> None:
    """Write the network's weights (half precision) and its model card to `path`, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().to("cpu", torch.float16 if tensor.is_floating_point() else None)
        for name, tensor in unwrap(model).state_dict().items()
    }
    payload = {"format": FORMAT, "k": width(model), "card": dict(card), "state_dict": state}
    atomic_save(payload, path)


def atomic_save(obj: Any, path: Path) -> None:
    """`torch.save` to a temporary file beside `path`, then rename it over `path`."""
    with atomic_open(path) as f:
        torch.save(obj, f)


def read_weights(path: str | os.PathLike) -> dict[str, Any]:
    """The checked contents of a weights file; WeightsError says what is wrong and what to do."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file. {_HOW_TO_GET}")
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"version https://git-lfs"):
        raise WeightsError(
            f"{path} is a Git LFS pointer, not the weights: run `git lfs install && git lfs pull`."
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise WeightsError(f"{path}: cannot read weights ({error}). {_HOW_TO_GET}") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise WeightsError(
            f"{path}: not a policy weights file (expected format {FORMAT!r}; a training run "
            f"writes its weights as RUN_DIR/policy_k<k>.pt beside checkpoint.pt). {_HOW_TO_GET}"
        )
    return payload


@dataclass
class Policy:
    """A policy network ready to play: move probabilities for a position."""

    model: torch.nn.Module
    trained: bool
    description: str
    k: int
    card: dict

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.inference_mode()
    def logits(self, planes: np.ndarray) -> np.ndarray:
        """The network's raw outputs (B, 361) for feature planes (B, 48, 19, 19)."""
        x = torch.from_numpy(np.ascontiguousarray(planes)).to(self.device, torch.float32)
        return self.model(x).float().cpu().numpy()

    def probabilities(self, position) -> np.ndarray:
        """Move probabilities (19, 19) float32 [row, col] for the player to move.

        A softmax over the legal points only: illegal points get 0. All zero when no point is
        legal (the player can only pass).
        """
        from sgf_data.features import planes

        logits = self.logits(planes(position)[None])[0]
        legal = position.legal_points(position.to_move).reshape(-1)
        return legal_softmax(logits, legal).reshape(19, 19)


def legal_softmax(logits: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """Softmax of `logits` over the entries where `legal` is True; 0 elsewhere (float32).

    >>> legal_softmax(np.array([0.0, 5.0, 0.0]), np.array([True, False, True])).tolist()
    [0.5, 0.0, 0.5]
    >>> legal_softmax(np.array([1.0, 2.0]), np.array([False, False])).tolist()
    [0.0, 0.0]
    """
    out = np.zeros(logits.shape, dtype=np.float32)
    if legal.any():
        shifted = logits[legal] - logits[legal].max()
        weights = np.exp(shifted.astype(np.float64))
        out[legal] = weights / weights.sum()
    return out


def describe(k: int, card: Mapping[str, Any]) -> str:
    """One line for GTP `name` and the board: what network this is, how good, trained where.

    >>> describe(192, {"trained": False})
    'AlphaGo SL policy k=192, untrained (random) network'
    >>> describe(64, {"steps": 8000, "validation_accuracy": 0.391, "machine": "a 2-core CPU"})
    'AlphaGo SL policy k=64, 8,000 steps, 39.1% validation top-1, trained on a 2-core CPU'
    """
    parts = [f"AlphaGo SL policy k={k}"]
    if not card.get("trained", True):
        parts.append(UNTRAINED)
    if "steps" in card:
        parts.append(f"{card['steps']:,} steps")
    if "validation_accuracy" in card:
        parts.append(f"{100 * card['validation_accuracy']:.1f}% validation top-1")
    if "machine" in card:
        parts.append(f"trained on {card['machine']}")
    return ", ".join(parts)


def load_policy(path: str | os.PathLike | None = None, device: str = "cpu") -> Policy:
    """The policy network from a weights file, in float32 evaluation mode on `device`.

    `path` None: the shipped weights (DEFAULT_WEIGHTS) when present, else a randomly
    initialised network with `trained` False. An explicit path must be a readable weights file.
    """
    if path is None and not DEFAULT_WEIGHTS.is_file():
        model = build(DEFAULT_K).to(device).eval()
        card = {"trained": False}
        return Policy(model, False, describe(DEFAULT_K, card), DEFAULT_K, card)
    path = DEFAULT_WEIGHTS if path is None else Path(path)
    payload = read_weights(path)
    k, card = int(payload["k"]), dict(payload["card"])
    model = build(k)
    try:
        state = payload["state_dict"]
        model.load_state_dict(
            {n: t.float() if t.is_floating_point() else t for n, t in state.items()}
        )
    except RuntimeError as error:
        raise WeightsError(
            f"{path}: weights do not fit the k={k} policy network ({error}). {_HOW_TO_GET}"
        ) from error
    trained = bool(card.get("trained", True))
    return Policy(model.to(device).eval(), trained, describe(k, card), k, card)
