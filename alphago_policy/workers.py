"""Worker processes of `prepare` and of the game-record stream: they leave Ctrl-C to the main
process, and end when it dies, even by `kill -9` (they would wait for its tasks forever
otherwise)."""

from __future__ import annotations

import os
import signal
import threading
import time


def start_worker(parent: int) -> None:
    """The initializer of a worker pool: ignore SIGINT (the main process decides how to stop,
    and lets work in progress finish) and watch the parent. `parent`: the main process's pid,
    taken there (`initargs=(os.getpid(),)`), so that a worker still starting when the main
    process died ends at once instead of watching the process that adopted it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """End this process once its parent is gone (it is then adopted: its parent id changes).
    What a task in progress had written is a temporary file, swept by the next run."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)
