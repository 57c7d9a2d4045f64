"""Receptive fields layer by layer: how much of the input each unit sees, and how far apart.

Each unit's geometry is a window ``(F, S, P)`` over its input (``cnn.arithmetic``):
convolutions and pools have theirs; units that act on each point alone have (1, 1, 0); a
Linear layer or a global pool sees all of its input; a unit made of others composes theirs, in
a row for an ``nn.Sequential``, side by side for a unit with ``branches()`` (inception modules,
residual blocks). A module of our own with another geometry says so with a ``window``
attribute. Composing the windows from the input on gives each layer's receptive field (F) and
jump (S) over the network's input.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from cnn.arithmetic import (
    Window,
    compose_windows,
    receptive_field,
    sees_whole_input,
    side_by_side,
    stacked_conv_weights,
    volume,
)
from cnn.registry import build
from cnn.summary import is_quiet, notation, summary

POINT = (1, 1, 0)  # the window of a unit that acts on each point alone
POINTWISE = (nn.BatchNorm2d, nn.LocalResponseNorm, nn.Identity)  # and summaries' quiet units
WHOLE_INPUT = (nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _side(value: int | tuple[int, ...], what: str, module: nn.Module) -> int:
    """One number for a square layer's kernel, stride or padding."""
    first, *rest = (value,) if isinstance(value, int) else value
    if any(other != first for other in rest):
        raise ValueError(f"a {type(module).__name__} with {what} {value} is not square")
    return first


def layer_window(module: nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d) -> Window:
    """The window of a convolution or pool (a dilated kernel spans ``d (F - 1) + 1``)."""
    size = _side(module.kernel_size, "kernel", module)
    dilation = _side(getattr(module, "dilation", 1), "dilation", module)
    size = dilation * (size - 1) + 1
    padding = module.padding
    if isinstance(padding, str):  # a convolution's "valid" or "same"
        padding = 0 if padding == "valid" else (size - 1) // 2
    return (size, _side(module.stride, "stride", module), _side(padding, "padding", module))


def in_a_row(windows: Iterable[Window | None]) -> Window | None:
    """The window of units applied one after the other; None once one sees all its input."""
    total: Window | None = POINT
    for window in windows:
        if total is None or window is None:
            return None
        total = compose_windows(total, window)
    return total


def unit_window(module: nn.Module) -> Window | None:
    """``module``'s window over its input; None where each of its outputs sees all of it."""
    if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
        return layer_window(module)
    if isinstance(module, WHOLE_INPUT):
        return None
    if hasattr(module, "window"):
        return module.window
    if hasattr(module, "branches"):
        windows = [unit_window(branch) for branch in module.branches()]
        return None if None in windows else side_by_side(*windows)
    if isinstance(module, nn.Sequential):
        return in_a_row(unit_window(child) for child in module)
    if is_quiet(module) or isinstance(module, POINTWISE):
        return POINT
    raise ValueError(
        f"the receptive field of a {type(module).__name__} is not known: give the class a "
        "`window` (F, S, P) or a `branches()` method"
    )


@dataclass(frozen=True)
class Field:
    """One unit: its output shape, its window over the network's input (None: it sees all of
    it, as an FC layer does), whether every one of its outputs sees the whole input, and
    whether summaries show it."""

    name: str
    output: tuple[int, ...]
    window: Window | None
    whole: bool
    shown: bool

    @property
    def volume(self) -> str:
        return notation(self.output)

    @property
    def jump(self) -> str:
        return "-" if self.window is None else str(self.window[1])

    @property
    def seen(self) -> str:
        """The receptive field as ``27x27``, marked ``(all)`` where it covers the input."""
        if self.window is None:
            return "all"
        size = self.window[0]
        return f"{size}x{size}" + (" (all)" * self.whole)


@dataclass(frozen=True)
class ReceptiveFields:
    """Each unit's receptive field, with notes on stacked filters and the whole input."""

    name: str
    input_size: tuple[int, ...]
    fields: list[Field] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Field:
        for unit in self.fields:
            if unit.name == name:
                return unit
        raise KeyError(f"{self.name} has no unit named {name!r}")

    def table(self, all_layers: bool = False) -> str:
        """The fields as a text table, then the notes; ``all_layers`` lists activations too."""
        d, h, w = self.input_size
        lines = [
            f"{self.name}: input {volume(w, h, d)}",
            f"{'layer':<14}{'output':>14}{'jump':>8}{'receptive field':>18}",
        ]
        lines += [
            f"{u.name:<14}{u.volume:>14}{u.jump:>8}{u.seen:>18}"
            for u in self.fields
            if u.shown or all_layers
        ]
        notes = [textwrap.fill(note, 96, subsequent_indent="  ") for note in self.notes]
        return "\n".join([*lines, "", *notes])

    def __str__(self) -> str:
        return self.table()


def _stacks(units: list[tuple[str, nn.Module, Window | None]]) -> list[tuple[str, str, int, int]]:
    """Runs of two or more FxF stride-1 convolutions in a row (activations and norms between
    them allowed): (first name, last name, how many, F). ``units``: name, module, own window."""
    runs: list[list] = []
    current: list | None = None
    for name, unit, window in units:
        conv = isinstance(unit, nn.Conv2d)
        if conv and window is not None and window[0] > 1 and window[1] == 1:
            if current and current[3] == window[0]:
                current[1], current[2] = name, current[2] + 1
                continue
            current = [name, name, 1, window[0]]
            runs.append(current)
        elif conv or window != POINT:
            current = None
    return [tuple(run) for run in runs if run[2] > 1]


def _notes(fields: list[Field], units: list, size: tuple[int, ...]) -> list[str]:
    """What the table shows that the lecture teaches: stacked small filters, and where (or
    whether) the network comes to see its whole input."""
    notes = []
    for first, last, count, f in _stacks(units):
        seen = receptive_field(count, f)
        stacked, single = stacked_conv_weights(count, f, 1), stacked_conv_weights(1, seen, 1)
        notes.append(
            f"{first}-{last}: {count} stacked {f}x{f} convs see {seen}x{seen} of {first}'s "
            f"input, as one {seen}x{seen} conv would, with {count}x{f}^2 C^2 = {stacked} C^2 "
            f"weights against {seen}^2 C^2 = {single} C^2"
        )
    whole = next((u for u in fields if u.whole), None)
    if whole is not None:
        notes.append(f"{whole.name} is the first layer each of whose outputs sees all the input")
        return notes
    last = [u for u in fields if u.window is not None][-1]
    f, s, p = last.window
    first = next(u for u in fields if u.window == last.window)
    n = max(size[1:])
    if s == 1 and 2 * p == f - 1:
        notes.append(
            f"no layer sees the whole input: from {first.name} on, each point sees {f}x{f}, "
            f"{p} points each way, less than the {2 * n - 1}x{2 * n - 1} (2x{n} - 1) that a "
            "corner point needs to see the far corner"
        )
    else:
        notes.append(
            f"no layer sees the whole input: the last, {last.name}, sees {f}x{f} at a jump of "
            f"{s}; its first output sees input pixels {-p} to {f - 1 - p} of 0 to {n - 1}"
        )
    return notes


def receptive_fields(
    model_or_name: nn.Module | str,
    input_size: tuple[int, ...] | None = None,
    **options: object,
) -> ReceptiveFields:
    """Each unit's receptive field and jump over the input, for a network or the registered
    architecture of that name built with ``options`` (on the meta device: it costs nothing).

    ``input_size`` (depth, height, width) defaults to the network's own. Units are the
    network's direct children that run in eval mode, as in ``cnn.summary``.
    """
    if isinstance(model_or_name, str):
        with torch.device("meta"):
            model = build(model_or_name, **options)
    else:
        model = model_or_name
    table = summary(model, input_size, all_layers=True)
    children = dict(model.named_children())
    _, height, width = table.input_size
    fields: list[Field] = []
    units: list[tuple[str, nn.Module, Window | None]] = []
    total: Window | None = POINT
    whole = False
    for row in table:
        unit = children[row.name]
        own = None if total is None else unit_window(unit)  # nothing to learn past an FC
        total = in_a_row([total, own])
        if total is None:
            whole = True
        elif len(row.output) == 3:
            _, h, w = row.output
            whole = sees_whole_input(total, height, h) and sees_whole_input(total, width, w)
        fields.append(Field(row.name, row.output, total, whole, not is_quiet(unit)))
        units.append((row.name, unit, own))
    return ReceptiveFields(
        table.name, table.input_size, fields, _notes(fields, units, table.input_size)
    )
