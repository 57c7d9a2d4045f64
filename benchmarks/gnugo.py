"""GTP engines as child processes: GNU Go, the rules oracle of the tests and the opponent and
referee of the benchmarks, and any other engine a benchmark drives (ours, over GTP)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path


class EngineError(RuntimeError):
    """The engine answered a command with `? message`, or exited."""


def find_gnugo() -> str | None:
    """Path of the gnugo binary (Debian installs it in /usr/games, often not on PATH)."""
    found = shutil.which("gnugo")
    if found:
        return found
    debian = Path("/usr/games/gnugo")
    return str(debian) if debian.exists() else None


class GTPClient:
    """A GTP engine as a child process: `send` returns a reply's text; use as a context manager."""

    def __init__(
        self,
        command: list[str],
        cwd: str | Path | None = None,
        env: dict[str, str] | None = None,
        watch_stderr: bool = False,
    ) -> None:
        self._process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if watch_stderr else None,
            text=True,
        )
        self.exited = False

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait_for(self, text: str) -> str:
        """Read the engine's stderr (`watch_stderr`) up to a line containing `text`."""
        assert self._process.stderr
        while line := self._process.stderr.readline():
            if text in line:
                return line
        raise EngineError(f"the engine ended its stderr without saying {text!r}")

    def send(self, command: str) -> str:
        """Send one GTP command and return the answer's text; raise EngineError on `?`, and
        when the engine has exited (then `exited` is True)."""
        assert self._process.stdin and self._process.stdout
        try:
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # it exited: the read below says so
        lines = []
        while True:
            line = self._process.stdout.readline()
            if not line:
                self.exited = True
                raise EngineError(f"the engine exited while answering {command!r}")
            if line == "\n" and lines:
                break
            if line != "\n":
                lines.append(line.rstrip("\n"))
        answer = "\n".join(lines)
        if answer.startswith("?"):
            raise EngineError(f"{command!r}: {answer[1:].strip()}")
        return answer[1:].strip()

    def close(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(EngineError, BrokenPipeError):
                self.send("quit")
            self._process.wait(timeout=30)

    def __enter__(self) -> GTPClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GnuGo(GTPClient):
    """GNU Go in GTP mode. `level` is its strength (0-10); `extra_args` go to its command line."""

    def __init__(self, level: int = 10, extra_args: tuple[str, ...] = ()) -> None:
        binary = find_gnugo()
        if binary is None:
            raise FileNotFoundError("GNU Go not found: install it (apt-get install gnugo)")
        super().__init__([binary, "--mode", "gtp", "--level", str(level), *extra_args])
