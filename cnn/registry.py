"""One registry of architectures: ``build(name, **options)`` and ``available()``.

Each architecture module registers its builder functions with ``@register(name)``; a builder
takes keyword options (``num_classes``, ``batch_norm``, ``k``...) and returns an ``nn.Module``
that carries its ``input_size``.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

Builder = Callable[..., nn.Module]


@dataclass(frozen=True)
class Entry:
    """A registered architecture: its name, builder and one-line description."""

    name: str
    builder: Builder
    description: str

    def options(self) -> dict[str, object]:
        """The builder's keyword options and their defaults."""
        parameters = inspect.signature(self.builder).parameters.values()
        return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


_REGISTRY: dict[str, Entry] = {}


def register(name: str) -> Callable[[Builder], Builder]:
    """Decorator: make ``builder`` reachable as ``cnn.build(name)``; its docstring's first
    line is the description shown by ``python -m cnn list``."""

    def decorate(builder: Builder) -> Builder:
        if name in _REGISTRY:
            raise ValueError(f"architecture {name!r} is already registered")
        doc = inspect.getdoc(builder)
        if not doc:
            raise ValueError(
                f"architecture {name!r} needs a docstring: its first line describes it"
            )
        description = doc.splitlines()[0]
        _REGISTRY[name] = Entry(name, builder, description)
        return builder

    return decorate


def entry(name: str) -> Entry:
    """The registered architecture ``name``; KeyError naming the close matches otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(
            f"unknown architecture {name!r}.{hint} Available: {', '.join(available())}"
        ) from None


def available() -> list[str]:
    """Names of all registered architectures, sorted."""
    return sorted(_REGISTRY)


def build(name: str, **options: object) -> nn.Module:
    """Build the architecture ``name`` with the given options (see ``python -m cnn list``).

    The model's ``arch`` attribute keeps the name (summaries show it).
    """
    found = entry(name)
    unknown = set(options) - set(found.options())
    if unknown:
        raise TypeError(
            f"{name} does not take option(s) {', '.join(sorted(unknown))}; "
            f"its options are: {', '.join(f'{k}={v!r}' for k, v in found.options().items())}"
        )
    for option, value in options.items():
        check_option(name, option, value, found.options()[option])
    model = found.builder(**options)
    model.arch = name
    return model


def check_option(name: str, option: str, value: object, default: object) -> None:
    """ValueError for a count option (one whose default is a whole number: ``k``,
    ``num_classes``, ``layers``...) that is not a whole number of at least 1: a network with
    none of them would build, then fail far from the cause.

    >>> check_option("alphago_policy", "k", 0, 192)
    Traceback (most recent call last):
    ValueError: alphago_policy: k must be a whole number of at least 1, not 0
    """
    if isinstance(default, bool) or not isinstance(default, int):
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: {option} must be a whole number of at least 1, not {value!r}")
