"""GNU Go over GTP: the independent rules oracle of the tests and the opponent of the benchmarks."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path


class GTPError(RuntimeError):
    """The engine answered a command with `? message`."""


def find_gnugo() -> str | None:
    """Path of the gnugo binary (Debian installs it in /usr/games, often not on PATH)."""
    found = shutil.which("gnugo")
    if found:
        return found
    debian = Path("/usr/games/gnugo")
    return str(debian) if debian.exists() else None


class GnuGo:
    """A GNU Go process in GTP mode; use as a context manager.

    `level` is GNU Go's strength (0-10); `extra_args` go to its command line.
    """

    def __init__(self, level: int = 10, extra_args: tuple[str, ...] = ()) -> None:
        binary = find_gnugo()
        if binary is None:
            raise FileNotFoundError("GNU Go not found: install it (apt-get install gnugo)")
        self._process = subprocess.Popen(
            [binary, "--mode", "gtp", "--level", str(level), *extra_args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> str:
        """Send one GTP command and return the answer's text; raise GTPError on `?`."""
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        lines = []
        while True:
            line = self._process.stdout.readline()
            if not line:
                raise GTPError(f"GNU Go exited while answering {command!r}")
            if line == "\n" and lines:
                break
            if line != "\n":
                lines.append(line.rstrip("\n"))
        answer = "\n".join(lines)
        if answer.startswith("?"):
            raise GTPError(f"{command!r}: {answer[1:].strip()}")
        return answer[1:].strip()

    def close(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(GTPError, BrokenPipeError):
                self.send("quit")
            self._process.wait(timeout=10)

    def __enter__(self) -> GnuGo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
