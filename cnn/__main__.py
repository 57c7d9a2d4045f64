"""Command line: ``python -m cnn list`` and ``python -m cnn summary NAME [options]``.

Architecture options follow the name as ``--option value`` (``--k 128``, ``--layers 6``,
``--num-classes 10``) or, for yes/no options, ``--batch-norm`` / ``--no-batch-norm``.
``--input 3x224x224`` (depth x height x width) overrides the input size and ``--all`` also
lists activations, dropouts and flattens.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch

from cnn.registry import available, build, entry
from cnn.summary import summary


def parse_input_size(text: str) -> tuple[int, ...]:
    """``"3x224x224"`` -> (3, 224, 224).

    >>> parse_input_size("48x19x19")
    (48, 19, 19)
    """
    parts = text.lower().split("x")
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"input size must look like 3x224x224, got {text!r}")
    return tuple(int(p) for p in parts)


def parse_options(name: str, words: Sequence[str]) -> dict[str, object]:
    """Turn ``--k 128 --batch-norm`` into builder options, typed like their defaults.

    >>> parse_options("vgg16", ["--batch-norm", "--num-classes", "10"])
    {'batch_norm': True, 'num_classes': 10}
    >>> parse_options("alphago_policy", ["--k", "128", "--layers", "6"])
    {'k': 128, 'layers': 6}
    """
    defaults = entry(name).options()
    options: dict[str, object] = {}
    words = list(words)
    while words:
        word = words.pop(0)
        if not word.startswith("--"):
            raise SystemExit(f"unexpected argument {word!r}")
        key = word[2:].replace("-", "_")
        negated = key.startswith("no_") and key[3:] in defaults
        if negated or isinstance(defaults.get(key), bool):
            options[key[3:] if negated else key] = not negated
            continue
        if key not in defaults:
            known = ", ".join(f"--{k.replace('_', '-')}" for k in defaults)
            raise SystemExit(f"{name} has no option --{word[2:]}; its options: {known}")
        if not words:
            raise SystemExit(f"option {word} needs a value")
        options[key] = type(defaults[key])(words.pop(0))
    return options


def list_architectures() -> str:
    """One line per registered architecture: name, input, parameters, description."""
    lines = [f"{'name':<17}{'input':>12}{'params':>14}  description"]
    for name in available():
        with torch.device("meta"):
            model = build(name)
        params = sum(p.numel() for p in model.parameters())
        d, h, w = model.input_size
        lines.append(f"{name:<17}{f'{w}x{h}x{d}':>12}{params:>14,}  {entry(name).description}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the registered architectures")
    show = commands.add_parser("summary", help="per-layer table of one architecture")
    show.add_argument("name", choices=available(), metavar="NAME")
    show.add_argument("--input", type=parse_input_size, help="DxHxW, e.g. 3x224x224")
    show.add_argument("--all", action="store_true", help="also list activations and dropouts")
    args, extra = parser.parse_known_args(argv)
    if args.command == "list":
        if extra:
            parser.error(f"unexpected arguments {extra}")
        print(list_architectures())
        return 0
    options = parse_options(args.name, extra)
    try:
        table = summary(args.name, args.input, all_layers=args.all, **options)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from error
    print(table.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
