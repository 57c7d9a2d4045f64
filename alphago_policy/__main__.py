"""`python -m alphago_policy COMMAND`: prepare data, train, evaluate, ship weights, serve GTP.

Each command lives in the module of its name, which provides `add_arguments(parser)` and
`run(args) -> int`; modules are imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "prepare": "alphago_policy.prepare",
    "train": "alphago_policy.train",
    "evaluate": "alphago_policy.evaluate",
    "ship": "alphago_policy.ship",
    "gtp": "alphago_policy.gtp",
    "filters": "alphago_policy.filters",
    "play": "alphago_policy.play",
    "review": "alphago_policy.review",
    "rl": "alphago_policy.rl",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m alphago_policy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    name = next((arg for arg in argv if arg in COMMANDS), None)
    for command, module_name in COMMANDS.items():
        sub = commands.add_parser(command, help=f"see `{command} --help`")
        if command == name:
            module = importlib.import_module(module_name)
            sub.description = module.__doc__
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
