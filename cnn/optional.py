"""Optional dependencies: import one, or say in one line how to install it."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingDependency(ImportError):
    """An optional package is not installed: which, and the command that installs it."""

    def __init__(self, package: str, install: str) -> None:
        super().__init__(f"{package} is not installed: {install}")
        self.package = package
        self.install = install


def require(module: str, package: str, extra: str) -> ModuleType:
    """Import ``module`` (from ``package``, in the project's ``extra``) or raise
    MissingDependency saying how to install it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        install = (
            f"python -m pip install {package} "
            f"(or this project's {extra!r} extra: python -m pip install -e '.[{extra}]')"
        )
        raise MissingDependency(package, install) from error


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` drawing to files (the Agg backend, no window needed)."""
    matplotlib = require("matplotlib", "matplotlib", "plot")
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")
