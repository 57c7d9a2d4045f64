"""The policy network as players use it: load weights, predict move probabilities, save weights.

A weights file is a `torch.save` dict (read back with `weights_only=True`, so loading one runs
no code): the format tag, the architecture's registry name and options (as `cnn.build(name,
**options)` takes them), a model card (what it was trained on, how well it does) and the state
dict in half precision (k=192: 3.9M parameters, about 8 MB). A network trained with batch norm
is written with its batch norms folded into the convolutions: the file always holds the
paper's architecture. Files of format 1 (which recorded only `k`) still load.
"""

from __future__ import annotations

import io
import os
import sys
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
FORMAT = "alphago_policy.weights/2"
FORMAT_1 = "alphago_policy.weights/1"  # {"k", "card", "state_dict"}: the 13-layer net of width k
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


def options(model: torch.nn.Module) -> dict[str, Any]:
    """The `cnn.build` options of a policy network, read from its layers (batch norm aside).

    >>> options(build(k=16))
    {'k': 16, 'layers': 13, 'planes': 48, 'board_size': 19}
    """
    convs = [m for m in unwrap(model).modules() if isinstance(m, torch.nn.Conv2d)]
    return {
        "k": convs[0].out_channels,
        "layers": len(convs),
        "planes": convs[0].in_channels,
        "board_size": unwrap(model).input_size[-1],
    }


def build(k: int = DEFAULT_K, **more: Any) -> cnn.network.Network:
    """A fresh policy network with k filters from the `cnn` registry, He-initialised by it;
    `more` are the architecture's other options (layers, planes, board_size, batch_norm)."""
    return cnn.build(ARCHITECTURE, k=k, **more)


def plain(model: torch.nn.Module) -> cnn.network.Network:
    """The network as the paper's architecture: its batch norms (if any) folded in, eval mode."""
    model = unwrap(model)
    if any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()):
        return cnn.fold_batch_norm(model)
    return model


def non_finite(state: Mapping[str, torch.Tensor]) -> list[str]:
    """The names of the tensors that hold a NaN or an infinity."""
    return [
        name
        for name, tensor in state.items()
        if tensor.is_floating_point() and not torch.isfinite(tensor).all()
    ]


def save_weights(model: torch.nn.Module, path: str | os.PathLike, card: Mapping[str, Any]) -> None:
    """Write the network (batch norms folded in, half precision) and its model card to `path`,
    atomically. A network with a NaN or infinite weight is refused (ValueError)."""
    path = Path(path)
    network = plain(model)
    broken = non_finite(network.state_dict())
    if broken:
        raise ValueError(f"not writing {path}: {', '.join(broken)} hold NaN or infinite values")
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().to("cpu", torch.float16 if tensor.is_floating_point() else None)
        for name, tensor in network.state_dict().items()
    }
    payload = {
        "format": FORMAT,
        "architecture": ARCHITECTURE,
        "options": options(network),
        "card": dict(card),
        "state_dict": state,
    }
    atomic_save(payload, path)


def atomic_save(obj: Any, path: str | os.PathLike) -> None:
    """`torch.save` to a temporary file beside `path`, then rename it over `path`. The bytes
    are made in memory first, so a full disk fails the write with the system's OSError (torch
    writing to the file itself reports it as `unexpected pos`)."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_open(path) as f:
        f.write(buffer.getbuffer())


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
    if not isinstance(payload, dict) or payload.get("format") not in (FORMAT, FORMAT_1):
        raise WeightsError(
            f"{path}: not a policy weights file (expected format {FORMAT!r}; a training run "
            f"writes its weights as RUN_DIR/policy_k<k>.pt beside checkpoint.pt). {_HOW_TO_GET}"
        )
    if not isinstance(payload.get("card"), dict):
        payload["card"] = {}  # a card of None says nothing of the network, which still plays
    return payload


@dataclass
class Policy:
    """A policy network ready to play: move probabilities for a position."""

    model: torch.nn.Module
    trained: bool
    description: str
    k: int
    card: dict
    symmetries: int = 1  # 8: probabilities averaged over the board's 8 symmetries, one batch
    bf16: bool = False  # the forward pass in bfloat16 (CPU autocast)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.inference_mode()
    def logits(self, planes: np.ndarray) -> np.ndarray:
        """The network's raw outputs (B, 361) for feature planes (B, 48, 19, 19)."""
        x = torch.from_numpy(np.ascontiguousarray(planes)).to(self.device, torch.float32)
        with torch.autocast(self.device.type, torch.bfloat16, enabled=self.bf16):
            return self.model(x).float().cpu().numpy()

    def probabilities(self, position) -> np.ndarray:
        """Move probabilities (19, 19) float32 [row, col] for the player to move.

        A softmax over the legal points only: illegal points get 0. All zero when no point is
        legal (the player can only pass). With `symmetries` 8, the mean of the softmaxes of
        the 8 turned boards, turned back, then shared out over the legal points.
        """
        from sgf_data.features import planes

        legal = position.legal_points(position.to_move).reshape(-1)
        if self.symmetries == 1:
            return legal_softmax(self.logits(planes(position)[None])[0], legal).reshape(19, 19)
        from alphago_policy.symmetries import averaged_probabilities

        averaged = averaged_probabilities(self.logits, planes(position))
        return legal_share(averaged, legal).reshape(19, 19)


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


def legal_share(probabilities: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """`probabilities` kept where `legal` is True and scaled to sum to 1 (float32); equal
    shares when they are all 0 there, all 0 when nothing is legal.

    >>> legal_share(np.array([0.2, 0.6, 0.2]), np.array([True, False, True])).tolist()
    [0.5, 0.0, 0.5]
    >>> legal_share(np.array([0.0, 1.0]), np.array([True, False])).tolist()
    [1.0, 0.0]
    """
    kept = np.where(legal, probabilities, 0.0).astype(np.float64)
    total = kept.sum()
    if total > 0:
        return (kept / total).astype(np.float32)
    return legal_softmax(np.zeros(kept.shape), legal)


def describe(k: int, card: Mapping[str, Any]) -> str:
    """One line for GTP `name` and the board: what network this is, how good, trained where.
    Its accuracy is the test figure `ship` measured (top-1 on games never trained on) when the
    card has one, else the validation figure of training.

    >>> describe(192, {"trained": False})
    'AlphaGo SL policy k=192, untrained (random) network'
    >>> describe(64, {"steps": 8000, "validation_accuracy": 0.391, "machine": "a 2-core CPU"})
    'AlphaGo SL policy k=64, 8,000 steps, 39.1% validation top-1, trained on a 2-core CPU'
    >>> describe(64, {"validation_accuracy": 0.4845, "test_games": "the first 500 of the split",
    ...               "test": [{"phase": "moves 1-50", "top1": 0.51},
    ...                        {"phase": "all", "top1": 0.48907}]})
    'AlphaGo SL policy k=64, 48.9% top-1 on test games (the first 500 of the split)'
    >>> describe(128, {"steps": 900, "initialised_from": {"k": 64, "card": {"steps": 47062}}})
    'AlphaGo SL policy k=128, 900 steps, widened from a k=64 network of 47,062 steps'
    >>> describe(192, {"steps": 50, "initialised_from": {"k": 192, "card": {"steps": 900}}})
    'AlphaGo SL policy k=192, 50 steps, continued from a k=192 network of 900 steps'
    >>> describe(8, {"steps": "many", "initialised_from": {"card": None}, "machine": None})
    'AlphaGo SL policy k=8'
    >>> describe(32, {"reinforcement_learning": {"games": 3776, "iterations": 39},
    ...               "initialised_from": {"k": 32, "card": {"steps": 10000}}})
    'AlphaGo RL policy k=32, 3,776 self-play games, from a k=32 SL network of 10,000 steps'
    """
    rl = card.get("reinforcement_learning")
    games = rl.get("games") if isinstance(rl, Mapping) else None
    parts = [f"AlphaGo {'RL' if _is_number(games) else 'SL'} policy k={k}"]
    if not card.get("trained", True):
        parts.append(UNTRAINED)
    if _is_number(games):
        parts.append(f"{games:,} self-play games")
    if _is_number(card.get("steps")):
        parts.append(f"{card['steps']:,} steps")
    parts += _origin(k, card.get("initialised_from"), "from" if _is_number(games) else "")
    test = _test_top1(card)
    if test is not None:
        games = card.get("test_games")
        parts.append(f"{100 * test:.1f}% top-1 on test games" + (f" ({games})" if games else ""))
    elif _is_number(card.get("validation_accuracy")):
        parts.append(f"{100 * card['validation_accuracy']:.1f}% validation top-1")
    if isinstance(card.get("machine"), str):
        parts.append(f"trained on {card['machine']}")
    return ", ".join(parts)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _origin(k: int, origin: Any, how: str = "") -> list[str]:
    """The words for the network a run started from (`train --init`; `how` "from": the SL
    network an RL run started from), if the card says."""
    if not isinstance(origin, Mapping) or not _is_number(origin.get("k")):
        return []
    card = origin.get("card")
    steps = card.get("steps") if isinstance(card, Mapping) else None
    of = f" of {steps:,} steps" if _is_number(steps) else ""
    if how:
        return [f"{how} a k={origin['k']} SL network{of}"]
    how = "widened" if origin["k"] < k else "continued"
    return [f"{how} from a k={origin['k']} network{of}"]


def _test_top1(card: Mapping[str, Any]) -> float | None:
    """The top-1 accuracy over all test positions that `ship` wrote in the card, if any."""
    rows = card.get("test")
    if not isinstance(rows, list):
        return None
    overall = [row for row in rows if isinstance(row, Mapping) and row.get("phase") == "all"]
    top1 = overall[-1].get("top1") if overall else None
    return float(top1) if _is_number(top1) else None


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
    settings = payload.get("options", {"k": payload.get("k")})
    name, card = payload.get("architecture", ARCHITECTURE), dict(payload["card"])
    state = payload["state_dict"]
    broken = non_finite(state)
    if broken:
        raise WeightsError(
            f"{path}: {', '.join(broken[:3])} hold NaN or infinite values (a diverged "
            f"training run?); use the run's last good weights or train again."
        )
    try:
        model = cnn.build(name, **settings)
        model.load_state_dict(
            {n: t.float() if t.is_floating_point() else t for n, t in state.items()}
        )
    except (RuntimeError, TypeError, ValueError, KeyError) as error:
        raise WeightsError(
            f"{path}: weights do not fit the {name} network {settings} ({error}). {_HOW_TO_GET}"
        ) from error
    k = int(settings["k"])
    trained = bool(card.get("trained", True))
    return Policy(model.to(device).eval(), trained, describe(k, card), k, card)


def policy_for_command(path: str | os.PathLike | None, untrained_means: str) -> Policy | None:
    """The policy a command plays or draws with; None after saying on stderr, in one line, why
    the weights cannot be loaded. An untrained network is used with a warning that says what
    that means for the command."""
    try:
        policy = load_policy(path)
    except WeightsError as error:
        print(error, file=sys.stderr)
        return None
    if not policy.trained:
        print(f"warning: {policy.description}: {untrained_means}", file=sys.stderr)
    return policy
