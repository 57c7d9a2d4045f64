"""What the commands share on the command line: argument types that refuse a bad setting as it
is parsed, and the one line that says why a command could do nothing."""

from __future__ import annotations

import argparse
import sys

NOTHING_DONE = 2  # the exit status of a command refused for its input or settings (as argparse)


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


def fail(error: BaseException | str) -> int:
    """Say on stderr, in one line (whatever line breaks the error's text has), why nothing
    could be done; return the exit status."""
    print("error:", *str(error).split(), file=sys.stderr)
    return NOTHING_DONE
