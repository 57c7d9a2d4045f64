"""SGF game records -> Go positions -> the 48 AlphaGo feature planes -> training data.

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
