"""SGF game records -> Go positions -> the 48 AlphaGo feature planes -> training data.

- archives: the SGF files of directories, plain files and archives, one file's bytes at a time.
- trees: an SGF file's bytes cut into game trees, linear in time and memory.
- reader: game records as users have them (`GameRecord`, `read_games`, `LoadSummary`).
- coords: every way a point is written, and the conversions between them.
- board: Go rules on the 19x19 board (`Position`): captures, no suicide, simple ko.
- scoring: how a game ends and is counted (area count, the result).
- playouts: who owns each point, from random playouts: ownership, score, dead stones.
- ladders: ladder reading for the ladder capture and escape planes.
- features: the 48 input planes of the policy network (`planes`).

The main names are exported lazily, so that `import sgf_data` stays cheap.
"""

from importlib import import_module

_EXPORTS = {
    "Position": "sgf_data.board",
    "IllegalMove": "sgf_data.board",
    "GameRecord": "sgf_data.reader",
    "LoadSummary": "sgf_data.reader",
    "read_games": "sgf_data.reader",
    "planes": "sgf_data.features",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sgf_data' has no attribute {name!r}")
