"""Open the board: the same as `python -m alphago_policy play` (see `--help`)."""

import sys

from alphago_policy.play import main

if __name__ == "__main__":
    sys.exit(main())
