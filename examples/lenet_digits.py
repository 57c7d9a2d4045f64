"""Train LeNet-5 from the ``cnn`` registry on scikit-learn's handwritten digits, on the CPU.

The data set and the training loop are ``cnn.digits`` (``python -m cnn filters`` draws what
this network learns); this script runs them and reports the held-out accuracy.

Run ``python examples/lenet_digits.py [--epochs N] [--arch lenet5_paper]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cnn.digits import train


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--arch", default="lenet5", choices=["lenet5", "lenet5_paper"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    result = train(args.epochs, args.arch, args.seed, threads=args.threads)
    print(
        f"{args.arch}: {result.accuracy:.2%} of {result.test_size} test digits correct after "
        f"{result.epochs} epochs on {result.train_size} ({result.seconds:.1f} s, "
        f"{args.threads} CPU thread(s))"
    )


if __name__ == "__main__":
    main()
