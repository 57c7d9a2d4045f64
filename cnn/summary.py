"""Per-layer summaries: each unit's output volume, parameters and multiply-adds.

Nothing is typed in by hand: the network runs once on a zero input (on the meta device when
the network lives there, so even VGG costs nothing) with forward hooks that record what
each unit produced. Multiply-adds count the convolutions' and fully connected layers' (one
per weight per output position; the FLOPs of ``torch.utils.flop_counter`` are twice that).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from cnn.arithmetic import volume
from cnn.registry import build

# Torch's units that the table leaves out unless all_layers: those that act on each number
# alone (activations, dropouts) or only reshape (flattens); no weights, nothing the lecture's
# tables show. A module of our own says so itself with a class attribute ``quiet = True``.
QUIET = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Dropout, nn.Flatten)


def is_quiet(unit: nn.Module) -> bool:
    """Whether a summary leaves ``unit`` out unless asked for all layers."""
    return getattr(unit, "quiet", isinstance(unit, QUIET))


def notation(shape: tuple[int, ...]) -> str:
    """A (D, H, W) volume as the lecture writes it, ``W x H x D``; other shapes as they are.

    >>> notation((96, 27, 55)), notation((4096,))
    ('55x27x96', '4096')
    """
    if len(shape) == 3:
        depth, height, width = shape
        return volume(width, height, depth)
    return "x".join(str(n) for n in shape)


@dataclass(frozen=True)
class Row:
    """One unit of the network: its name, module type, output shape (D, H, W) or (N,)."""

    name: str
    layer: str
    output: tuple[int, ...]
    params: int
    macs: int

    @property
    def volume(self) -> str:
        """The lecture's notation: ``55x55x96`` (W x H x D) for a volume, ``4096`` for a vector."""
        return notation(self.output)


@dataclass(frozen=True)
class Summary:
    """The rows of a network's summary, with totals over the whole network."""

    name: str
    input_size: tuple[int, ...]
    rows: list[Row] = field(default_factory=list)
    params: int = 0
    macs: int = 0

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"{self.name} has no unit named {name!r}")

    def table(self) -> str:
        """The summary as a text table; a column widens to its longest entry, so that columns
        never run together (a huge input's mult-adds)."""
        d, h, w = self.input_size
        rows = [
            (row.name, row.layer, row.volume, f"{row.params:,}", f"{row.macs:,}")
            for row in self.rows
        ]
        total = ("total", "", "", f"{self.params:,}", f"{self.macs:,}")
        widths = [
            max(minimum, *(len(row[column]) + gap for row in [*rows, total]))
            for column, (minimum, gap) in enumerate(((14, 1), (22, 1), (14, 2), (14, 2), (17, 2)))
        ]
        name, kind, output, params, macs = widths

        def line(cells: tuple[str, ...]) -> str:
            first, second, third, fourth, fifth = cells
            return (
                f"{first:<{name}}{second:<{kind}}{third:>{output}}{fourth:>{params}}{fifth:>{macs}}"
            )

        header = ("layer", "type", "output", "params", "mult-adds")
        return "\n".join(
            [f"{self.name}: input {volume(w, h, d)}", *map(line, [header, *rows, total])]
        )

    def __str__(self) -> str:
        return self.table()


def _macs(module: nn.Module, output: torch.Tensor) -> int:
    """Multiply-adds of one call of a conv or linear layer, per sample."""
    per_output = module.weight[0].numel()  # weights feeding one output value
    return output[0].numel() * per_output


def summary(
    model_or_name: nn.Module | str,
    input_size: tuple[int, ...] | None = None,
    *,
    all_layers: bool = False,
    **options: object,
) -> Summary:
    """Summarise a network, or the registered architecture of that name built with ``options``.

    ``input_size`` is (depth, height, width) without the batch; by default the network's own
    ``input_size``. Units are the network's direct children, run in eval mode; ``all_layers``
    also lists activations, dropouts and flattens. Parts that run only in training (GoogLeNet's
    auxiliary classifiers) have no rows but count in the parameter total.
    """
    if isinstance(model_or_name, str):
        with torch.device("meta"):
            model = build(model_or_name, **options)
        name = model_or_name
    else:
        model = model_or_name
        name = getattr(model, "arch", type(model).__name__)
    size = tuple(input_size or getattr(model, "input_size", ()))
    if len(size) != 3:
        raise ValueError(f"{name}: give input_size as (depth, height, width), got {size or None}")
    reference = next(model.parameters(), torch.empty(0))
    x = torch.zeros(1, *size, device=reference.device, dtype=reference.dtype)

    outputs: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    macs: dict[nn.Module, int] = {}

    def record_unit(unit_name: str):
        def hook(unit: nn.Module, _inputs: object, output: torch.Tensor) -> None:
            outputs.append((unit_name, unit, tuple(output.shape[1:])))

        return hook

    def record_macs(module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        macs[module] = macs.get(module, 0) + _macs(module, output)

    handles = [unit.register_forward_hook(record_unit(n)) for n, unit in model.named_children()]
    handles += [
        m.register_forward_hook(record_macs)
        for m in model.modules()
        if isinstance(m, nn.Conv2d | nn.Linear)
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    except RuntimeError as error:
        d, h, w = size
        raise ValueError(f"{name} cannot take a {volume(w, h, d)} input: {error}") from error
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()

    rows = [
        Row(
            unit_name,
            type(unit).__name__,
            shape,
            sum(p.numel() for p in unit.parameters()),
            sum(macs.get(m, 0) for m in unit.modules()),
        )
        for unit_name, unit, shape in outputs
    ]
    shown = [
        row
        for row, (_, unit, _) in zip(rows, outputs, strict=True)
        if all_layers or not is_quiet(unit)
    ]
    total_params = sum(p.numel() for p in model.parameters())
    return Summary(name, size, shown, total_params, sum(row.macs for row in rows))
