"""What the commands share on the command line: argument types that refuse a bad setting as it
is parsed, the flags every command that loads or runs the network declares the same way
(`--weights`, `--device`, `--threads`, `--temperature`), and the one line that says why a
command could do nothing."""

from __future__ import annotations

import argparse
import math
import sys

NOTHING_DONE = 2  # the exit status of a command refused for its input or settings (as argparse)
DEVICES = ("auto", "cpu", "cuda")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1.

    >>> positive_int("256")
    256
    >>> positive_int("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a whole number of at least 1, not '0'
    """
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return number


def temperature(text: str) -> float:
    """An argparse type: a sampling temperature, a finite number of 0 (the most probable move)
    or more.

    >>> temperature("0.001"), temperature("0")
    (0.001, 0.0)
    >>> temperature("-1")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: the temperature is a number, 0 (the best move) or more, not '-1'
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            f"the temperature is a number, 0 (the best move) or more, not {text!r}"
        )
    return value


def add_weights(parser: argparse.ArgumentParser) -> None:
    """`--weights PATH`: the policy network's weights file."""
    parser.add_argument(
        "--weights",
        metavar="PATH",
        help="weights file (default: the shipped weights, else a random network)",
    )


def add_device(parser: argparse.ArgumentParser, default: str = "auto") -> None:
    """`--device auto|cpu|cuda`: where the network runs (see `checked_device`)."""
    parser.add_argument(
        "--device",
        default=default,
        choices=DEVICES,
        help=f"where the network runs; auto: a CUDA GPU when torch sees one (default {default})",
    )


def add_threads(
    parser: argparse.ArgumentParser,
    default: int | list[int] | None = 1,
    note: str = "",
    many: bool = False,
) -> None:
    """`--threads N` (`many`: `--threads N [N ...]`, counts to compare): torch's CPU threads,
    each at least 1; `note` adds what the command does with them."""
    if default is None:
        shown = "torch's choice"
    else:
        shown = " ".join(map(str, default if isinstance(default, list) else [default]))
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=default,
        nargs="+" if many else None,
        metavar="N",
        help=f"torch CPU threads, 1 or more{'; ' + note if note else ''} (default {shown})",
    )


def add_temperature(parser: argparse.ArgumentParser) -> None:
    """`--temperature T`: how the network picks its move."""
    parser.add_argument(
        "--temperature",
        type=temperature,
        default=0.0,
        metavar="T",
        help="0 plays the most probable move; T > 0 samples from p^(1/T), more varied as T "
        "grows (default 0)",
    )


def checked_device(name: str) -> str:
    """The device `--device name` means here ('cpu' or 'cuda'); ValueError for cuda where
    torch sees none."""
    import torch

    from alphago_policy.runtime import pick_device

    name = pick_device(name)
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"--device cuda: torch {torch.__version__} sees no CUDA device here; "
            "use --device cpu (or auto)"
        )
    return name


def fail(error: BaseException | str) -> int:
    """Say on stderr, in one line (whatever line breaks the error's text has), why nothing
    could be done; return the exit status."""
    print("error:", *str(error).split(), file=sys.stderr)
    return NOTHING_DONE
