"""The processes a command leaves, read from /proc: for the tests that kill a main process and
check that nothing it started lives on."""

from pathlib import Path


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> list[int]:
    """`pid`'s children, their children, and so on."""
    found = children(pid)
    return found + [grandchild for child in found for grandchild in descendants(child)]


def running(pid: int) -> bool:
    """Whether a process is there and not a zombie (an ended one nobody has waited for)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
