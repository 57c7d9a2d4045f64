"""Draw what the policy network's first layer learned: its 5x5 filters over the 48 input planes.

    python -m alphago_policy filters [--weights PATH] [--out alphago_filters.png]

Layer 1 has k filters of 5x5 over each of the 48 feature planes (`sgf_data.features`). The
picture shows them as a mosaic, one row per filter (the strongest first), one 5x5 square per
input plane, the planes grouped by feature (stone colour, turns since, liberties, capture
size, ...); and below, how much weight the layer puts on each plane: the root mean square of
its weights there, over all filters and the 25 points. The dashed line is the spread of the
He initialisation, sqrt(2 / (48 x 25)): a plane near it has moved little from its starting
values (the zeros plane is never on, so its weights never learn). Needs matplotlib.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from alphago_policy.cli import add_weights
from sgf_data.features import NUM_PLANES, PLANE_GROUPS

# What each plane of a group means, for the labels (the paper's Extended Data Table 2).
PLANE_VALUES = {
    "stone_colour": ("player", "opponent", "empty"),
    "capture_size": (*(str(n) for n in range(7)), "7+"),
}
ONE_HOT_UP_TO_8 = (*(str(n) for n in range(1, 8)), "8+")
GAP = 2  # empty columns between groups in the mosaic


def plane_labels() -> list[str]:
    """A short label for each of the 48 planes: the value it stands for in its group.

    >>> labels = plane_labels()
    >>> labels[0], labels[4], labels[11], labels[20], labels[44]
    ('player', '1', '8+', '0', '')
    """
    labels = [""] * NUM_PLANES
    for group, planes in PLANE_GROUPS.items():
        count = planes.stop - planes.start
        if count > 1:
            values = PLANE_VALUES.get(group, ONE_HOT_UP_TO_8)
            labels[planes] = values[:count]
    return labels


def plane_weight(weights: np.ndarray) -> np.ndarray:
    """Root mean square of a first layer's weights (k, planes, 5, 5) on each input plane.

    >>> plane_weight(np.stack([np.full((2, 5, 5), 3.0), np.full((2, 5, 5), 4.0)], axis=1))
    array([3., 4.])
    """
    return np.sqrt(np.square(weights).mean(axis=(0, 2, 3)))


def strongest_filters(weights: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` filters with the largest weights (L2 norm), strongest first.

    >>> strongest_filters(np.array([1.0, -5.0, 2.0]).reshape(3, 1, 1, 1), 2).tolist()
    [1, 2]
    """
    norms = np.sqrt(np.square(weights).sum(axis=(1, 2, 3)))
    return np.argsort(-norms, kind="stable")[:count]


def mosaic(weights: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The filters (k, 48, f, f) as one image: a row of f x f squares per filter, a column
    per plane, one pixel apart, GAP more between groups (NaN, drawn blank); with the column
    where each plane's square starts."""
    k, planes, f, _ = weights.shape
    starts, x = [], 0
    groups = list(PLANE_GROUPS.values())
    for plane in range(planes):
        starts.append(x)
        x += f + 1 + GAP * any(g.stop == plane + 1 for g in groups[:-1])
    image = np.full((k * (f + 1) - 1, x - 1), np.nan)
    for row in range(k):
        for plane, start in enumerate(starts):
            image[row * (f + 1) : row * (f + 1) + f, start : start + f] = weights[row, plane]
    return image, starts


def draw(weights: np.ndarray, title: str, count: int = 32):
    """The figure: the mosaic of the ``count`` strongest filters and the weight per plane."""
    from cnn.optional import pyplot

    plt = pyplot()
    shown = weights[strongest_filters(weights, count)]
    image, starts = mosaic(shown)
    k, _, f, _ = shown.shape
    limit = float(np.quantile(np.abs(shown), 0.995))
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(13, 12), height_ratios=(image.shape[0] / image.shape[1] * 3.3, 1)
    )
    picture = top.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    centres = [start + (f - 1) / 2 for start in starts]
    top.set_xticks(centres, plane_labels(), rotation=90, fontsize=6)
    top.set_yticks([row * (f + 1) + (f - 1) / 2 for row in range(k)], range(1, k + 1), fontsize=6)
    top.set_ylabel(
        f"its {k} filters, strongest first"
        if k == len(weights)
        else f"the {k} strongest of its {len(weights)} filters"
    )
    top.tick_params(length=0)
    for name, planes in PLANE_GROUPS.items():
        middle = (starts[planes.start] + starts[planes.stop - 1] + f - 1) / 2
        top.text(
            middle,
            -2,
            name.replace("_", " "),
            ha="center",
            va="bottom",
            fontsize=7,
            rotation=90 if planes.stop - planes.start < 3 else 0,
        )
    for spine in top.spines.values():
        spine.set_visible(False)
    figure.colorbar(picture, ax=top, fraction=0.015, pad=0.01, label="weight")

    rms = plane_weight(weights)
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, len(PLANE_GROUPS)))
    for colour, (name, planes) in zip(colours, PLANE_GROUPS.items(), strict=True):
        xs = np.arange(planes.start, planes.stop)
        bottom.bar(xs, rms[planes], color=colour, label=name.replace("_", " "))
    bottom.axhline(
        np.sqrt(2 / weights[0].size),
        color="k",
        linestyle="--",
        linewidth=0.8,
        label=f"He initialisation: sqrt(2 / {weights[0].size})",
    )
    bottom.set_xticks(range(NUM_PLANES), plane_labels(), rotation=90, fontsize=6)
    bottom.set_xlim(-0.6, NUM_PLANES - 0.4)
    bottom.set_ylabel("RMS weight on the plane")
    bottom.legend(fontsize=7, ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_weights(parser)
    parser.add_argument("--out", default="alphago_filters.png", help="PNG file to write")
    parser.add_argument("--filters", type=int, default=32, help="how many filters to show")


def run(args: argparse.Namespace) -> int:
    from alphago_policy.policy import policy_for_command
    from cnn.filters import first_conv
    from cnn.optional import MissingDependency

    if args.filters < 1:
        print(f"--filters must be at least 1, got {args.filters}", file=sys.stderr)
        return 2
    policy = policy_for_command(args.weights, "its filters are random")
    if policy is None:
        return 1
    weights = first_conv(policy.model).weight.detach().float().cpu().numpy()
    title = f"Layer 1 of {policy.description}: its {weights.shape[-1]}x{weights.shape[-1]} filters"
    try:
        figure = draw(weights, title, args.filters)
    except MissingDependency as error:
        print(
            f"python -m alphago_policy filters needs {error.package}: {error.install}",
            file=sys.stderr,
        )
        return 1
    try:
        figure.savefig(args.out, dpi=100)
    except OSError as error:
        print(f"cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    rms = plane_weight(weights)
    labels = plane_labels()
    groups = {p: name for name, s in PLANE_GROUPS.items() for p in range(s.start, s.stop)}
    top = ", ".join(
        f"{groups[p].replace('_', ' ')}{' ' + labels[p] if labels[p] else ''} ({rms[p]:.3f})"
        for p in np.argsort(-rms)[:5]
    )
    print(f"{policy.description}\nmost weight on: {top}\ndrawn to {args.out}")
    return 0
