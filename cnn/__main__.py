"""Command line: ``python -m cnn list``, ``summary NAME``, ``receptive-field NAME``, ``filters``.

Architecture options follow the name as ``--option value`` (``--k 128``, ``--layers 6``,
``--num-classes 10``) or, for yes/no options, ``--batch-norm`` / ``--no-batch-norm``.
``--input 3x224x224`` (depth x height x width) overrides the input size, ``--all`` also
lists activations, dropouts and flattens, and ``--fully-convolutional`` turns the network's
fully connected layers into convolutions first (``cnn.fc_to_conv``), so that it takes a
larger input. ``filters`` trains LeNet-5 on scikit-learn's digits and draws what its first
layer learned.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from cnn.fully_convolutional import fc_to_conv
from cnn.optional import MissingDependency
from cnn.receptive_fields import receptive_fields
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
        options[key] = typed(word, words.pop(0), defaults[key])
    return options


def typed(flag: str, text: str, default: object) -> object:
    """An option's value read as the type of its default.

    >>> typed("--k", "128", 192), typed("--dropout", "0.2", 0.5)
    (128, 0.2)
    """
    try:
        return type(default)(text)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise SystemExit(f"error: {flag} expects {kind}, not {text!r}") from None


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


def meta_model(name: str, options: dict[str, object], fully_convolutional: bool) -> nn.Module:
    """The architecture on the meta device (no memory, no time), its FC layers converted to
    convolutions if asked."""
    with torch.device("meta"):
        model = build(name, **options)
    return fc_to_conv(model) if fully_convolutional else model


def draw_filters(args: argparse.Namespace) -> str:
    """Train LeNet-5 on the digits, draw its filters and one digit's maps to ``args.out``."""
    from cnn.digits import digits, train
    from cnn.filters import filters_figure
    from cnn.optional import pyplot

    plt = pyplot()  # before training: say at once if matplotlib is missing
    if not Path(args.out).absolute().parent.is_dir():
        raise SystemExit(f"error: cannot write {args.out}: its folder does not exist")
    _, _, images, labels = digits(args.seed)
    if not 0 <= args.digit < len(images):
        raise SystemExit(f"error: --digit must be 0 to {len(images) - 1}, got {args.digit}")
    result = train(args.epochs, args.arch, args.seed)
    image, label = images[args.digit : args.digit + 1], int(labels[args.digit])
    with torch.no_grad():
        read = int(result.model(image).argmax())
    title = (
        f"{args.arch} after {args.epochs} epochs on scikit-learn's digits, "
        f"{result.accuracy:.1%} of {result.test_size} held out right:\n its first-layer "
        f"filters (blue negative, red positive), and a held-out {label} (read as {read}) "
        "through its first three layers, the paper's C1, S2 and C3"
    )
    figure = filters_figure(result.model, image, title)
    try:
        figure.savefig(args.out, dpi=100)
    except OSError as error:
        raise SystemExit(f"error: cannot write {args.out}: {error.strerror or error}") from error
    finally:
        plt.close(figure)
    return (
        f"{args.arch}: trained {args.epochs} epochs in {result.seconds:.1f} s, "
        f"{result.accuracy:.2%} of {result.test_size} held-out digits right; drawn to {args.out}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the registered architectures")
    for command, text in (
        ("summary", "per-layer table of one architecture"),
        ("receptive-field", "each layer's receptive field, jump and output size"),
    ):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("name", metavar="NAME", help="an architecture of `python -m cnn list`")
        sub.add_argument("--input", type=parse_input_size, help="DxHxW, e.g. 3x224x224")
        sub.add_argument("--all", action="store_true", help="also list activations and dropouts")
        sub.add_argument(
            "--fully-convolutional",
            action="store_true",
            help="turn the FC layers into convolutions first (for a larger --input)",
        )
    draw = commands.add_parser("filters", help="train LeNet-5 on digits, draw its first layer")
    draw.add_argument("--out", default="lenet5_filters.png", help="PNG file to write")
    draw.add_argument("--arch", default="lenet5", choices=["lenet5", "lenet5_paper"])
    draw.add_argument("--epochs", type=int, default=20)
    draw.add_argument("--seed", type=int, default=0)
    draw.add_argument("--digit", type=int, default=0, help="which held-out digit to follow")
    args, extra = parser.parse_known_args(argv)
    if args.command in ("list", "filters") and extra:
        parser.error(f"unexpected arguments {extra}")
    try:
        if args.command == "list":
            print(list_architectures())
        elif args.command == "filters":
            print(draw_filters(args))
        else:
            model = meta_model(args.name, parse_options(args.name, extra), args.fully_convolutional)
            if args.command == "summary":
                print(summary(model, args.input, all_layers=args.all).table())
            else:
                print(receptive_fields(model, args.input).table(all_layers=args.all))
    except KeyError as error:  # an unknown name: the registry's message names close ones
        raise SystemExit(f"error: {error.args[0]}") from error
    except MissingDependency as error:
        raise SystemExit(
            f"error: python -m cnn {args.command} needs {error.package}: {error.install}"
        ) from error
    except ValueError as error:
        raise SystemExit(f"error: {error}") from error
    return 0


if __name__ == "__main__":
    sys.exit(main())
