"""The AlphaGo SL policy network [Silver et al. 2016, Methods]: 13 convolutional layers.

The input is the 19x19x48 feature stack. Layer 1 zero pads it to 23x23 and convolves k 5x5
filters at stride 1; layers 2 to 12 pad to 21x21 and convolve k 3x3 filters; each is
followed by a ReLU. The final layer convolves one 1x1 filter, "with a different bias for each
position": the conv itself has no bias and a separate learned bias per point (361 numbers)
is added. ``forward`` returns the logits flattened row-major to (B, 361), so logit
``row * 19 + col`` is the point (row, col) of the input planes. The paper's softmax is left
to the caller: a player takes it over the legal points only (``alphago_policy.policy``), and
training takes it inside the cross-entropy. With k = 192 (the match version): 3,882,793 parameters.

Options: ``k`` filters per hidden layer (128, 192, 256, 384 in the paper; any k works),
``layers`` weight layers in all (13 in the paper; at least 2: the 5x5 and the 1x1),
``planes`` input feature planes (48; the paper's value network adds a 49th), ``board_size``,
``batch_norm`` (not the paper's; for training, folded away before the weights are written).

The network is He-initialised when built (normal weights of variance 2 / fan-in, zero conv
biases and point biases): that keeps the signal's scale through the 13 plain ReLU layers,
where PyTorch's default init shrinks it about 2x per layer, so a fresh network's output would
barely depend on its input and plain SGD would be slow to start. (The paper does not say how
it initialised.)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnn.layers import Conv, Flatten, Shape
from cnn.network import Network, he_initialised, network
from cnn.registry import register


class PositionBias(nn.Module):
    """Adds a learned bias to each point of a one-map board (the final layer's biases)."""

    window = (1, 1, 0)  # each point alone (cnn.receptive_fields)

    def __init__(self, height: int, width: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, height, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias


@dataclass(frozen=True)
class PointBias:
    """A different bias for each position of a single map."""

    name: str | None = None
    kind = "bias"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        if len(shape) != 3 or shape[0] != 1:
            raise ValueError(f"a per-point bias needs a 1 x height x width map, got {shape}")
        return shape

    def build(self, shape: Shape) -> nn.Module:
        return PositionBias(shape[1], shape[2])


def policy_specs(k: int, layers: int) -> tuple:
    """The layer specs of a policy network with ``layers`` weight layers of ``k`` filters."""
    if layers < 2:
        raise ValueError(
            f"the policy network needs at least 2 weight layers (5x5, 1x1), not {layers}"
        )
    return (
        Conv(k, 5, pad=2),
        *(Conv(k, 3, pad=1) for _ in range(layers - 2)),
        Conv(1, 1, bias=False, activation=False),
        PointBias(name="bias"),
        Flatten(),
    )


@register("alphago_policy")
def alphago_policy(
    k: int = 192,
    layers: int = 13,
    planes: int = 48,
    board_size: int = 19,
    batch_norm: bool = False,
) -> Network:
    """AlphaGo SL policy network, 48x19x19 -> 361 logits (k=192: 3,882,793 params).

    He-initialised (see the module docstring). ``batch_norm`` puts a batch norm between each
    hidden conv and its ReLU, for training only: ``cnn.fold_batch_norm`` turns the trained
    network back into the paper's architecture.
    """
    size = (planes, board_size, board_size)
    return he_initialised(network(policy_specs(k, layers), size, batch_norm=batch_norm))
