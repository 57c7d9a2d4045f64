"""Pictures of what a trained network's first layer learned, the lecture's "learned filters"
(after Zeiler & Fergus 2013): its filters as a grid, and one input's activation maps through
the first layers.

``python -m cnn filters`` trains LeNet-5 on scikit-learn's digits (``cnn.digits``, a few
seconds on one CPU thread) and draws its six 5x5 C1 filters and one held-out digit's maps
through C1, S2 and C3. Drawing needs matplotlib (``cnn.optional``).
"""

from __future__ import annotations

import torch
from torch import nn

from cnn.optional import pyplot
from cnn.summary import is_quiet


def first_conv(model: nn.Module) -> nn.Conv2d:
    """The network's first convolution: the one whose filters look at the input itself."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        raise ValueError(f"{type(model).__name__} has no convolution")
    return conv


def stage_maps(
    model: nn.Module, x: torch.Tensor, stages: int = 3
) -> list[tuple[str, torch.Tensor]]:
    """The activation maps (D, H, W) of one input ``x`` (1, D, H, W) after each of the first
    ``stages`` units that summaries show, as the next unit receives them (after the unit's
    activation, if one follows it)."""
    children = list(model.named_children())
    outputs: dict[str, torch.Tensor] = {}
    hooks = [
        unit.register_forward_hook(lambda _u, _i, out, name=name: outputs.__setitem__(name, out))
        for name, unit in children
    ]
    was_training = model.training
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    maps: list[tuple[str, torch.Tensor]] = []
    for i, (name, unit) in enumerate(children):
        if is_quiet(unit):
            continue
        last = i
        while last + 1 < len(children) and is_quiet(children[last + 1][1]):
            if isinstance(children[last + 1][1], nn.Flatten):
                break
            last += 1
        out = outputs[children[last][0]]
        if out.dim() != 4 or len(maps) == stages:
            break
        maps.append((name, out[0]))
    return maps


def _show(ax, image: torch.Tensor, cmap: str, vmin: float, vmax: float) -> None:
    ax.imshow(image.numpy(), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def filters_figure(model: nn.Module, image: torch.Tensor, title: str, columns: int = 8):
    """A matplotlib figure: the first layer's filters (one input channel), then ``image``
    (1, 1, H, W) and its maps through the first three shown units, one row of up to
    ``columns`` maps each (blue negative, red positive weights; dark = strong activation)."""
    conv = first_conv(model)
    if conv.in_channels != 1:
        raise ValueError(f"drawing filters of one input channel, not {conv.in_channels}")
    weights = conv.weight.detach().float().cpu()[:, 0]
    stages = stage_maps(model, image)
    rows = [len(weights), *(len(maps) for _, maps in stages)]
    lines = [-(-n // columns) for n in rows]
    plt = pyplot()
    figure, axes = plt.subplots(
        sum(lines),
        columns + 1,
        figsize=(1.0 * (columns + 1), 1.0 * sum(lines) + 0.5),
        layout="constrained",
        gridspec_kw={"wspace": 0.02, "hspace": 0.02},
    )
    for ax in axes.flat:
        ax.axis("off")
    _show(axes[0, 0], image[0, 0].cpu(), "gray_r", float(image.min()), float(image.max()))
    axes[0, 0].axis("on")
    axes[0, 0].set_title("input", fontsize=8)
    limit = float(weights.abs().max())
    for j, kernel in enumerate(weights):
        ax = axes[j // columns, 1 + j % columns]
        ax.axis("on")
        _show(ax, kernel, "RdBu_r", -limit, limit)
        ax.set_title(f"filter {j + 1}", fontsize=7)
    size = "x".join(str(n) for n in conv.kernel_size)
    axes[0, 1].set_ylabel(f"{size}\nfilters", fontsize=8, rotation=0, ha="right", va="center")
    line = lines[0]
    for (name, maps), count in zip(stages, lines[1:], strict=True):
        cpu = maps.detach().float().cpu()
        low, high = float(cpu.min()), float(cpu.max())
        depth, height, width = cpu.shape
        label = f"{name}\n{width}x{height}x{depth}"
        axes[line, 1].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
        for j, activation in enumerate(cpu):
            ax = axes[line + j // columns, 1 + j % columns]
            ax.axis("on")
            _show(ax, activation, "gray_r", low, high)
        line += count
    figure.suptitle(title, fontsize=9)
    return figure
