"""Expanding a list of layer specs into a named ``nn.Sequential`` that knows its input size."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

import torch
from torch import nn

from cnn.layers import FC, Conv, Flatten, Shape


class Spec(Protocol):
    """What ``stack`` needs from a layer spec (see ``cnn.layers`` for the common ones).

    A spec may also have ``activation: bool``: true puts the network's activation after it.
    """

    name: str | None
    kind: str
    weighted: bool

    def output(self, shape: Shape) -> Shape: ...

    def build(self, shape: Shape) -> nn.Module: ...


class Network(nn.Sequential):
    """A feed-forward network of named units that remembers the input it was designed for.

    ``input_size`` is ``(depth, height, width)``, without the batch dimension; ``cnn.summary``
    uses it when no other size is given.
    """

    def __init__(self, units: OrderedDict[str, nn.Module], input_size: Shape) -> None:
        super().__init__(units)
        self.input_size = tuple(input_size)


def stack(
    specs: Iterable[Spec],
    input_size: Shape,
    *,
    activation: Callable[[], nn.Module] = nn.ReLU,
    batch_norm: bool = False,
) -> OrderedDict[str, nn.Module]:
    """Build the modules for ``specs`` on a volume of ``input_size``, checking every shape.

    Units are named as in the lecture: weight layers by their depth in the network (``conv1``
    ... ``fc8``), other layers by their own count (``pool1``, ``norm2``), unless the spec names
    itself. A spec whose ``activation`` is true is followed by ``<name>_act`` (its
    activation), after ``<name>_bn`` for such convs when ``batch_norm``; FC dropout comes last as
    ``<name>_drop``.
    """
    units: OrderedDict[str, nn.Module] = OrderedDict()
    counts: dict[str, int] = {}
    weight_layers = 0
    shape = tuple(input_size)
    for spec in specs:
        if isinstance(spec, FC) and len(shape) != 1:
            units["flatten"] = Flatten().build(shape)
            shape = Flatten().output(shape)
        if spec.weighted:
            weight_layers += 1
            index = weight_layers
        else:
            index = counts[spec.kind] = counts.get(spec.kind, 0) + 1
        name = spec.name or f"{spec.kind}{index}"
        if name in units:
            raise ValueError(f"two units are named {name!r}")
        out = spec.output(shape)
        units[name] = spec.build(shape)
        if isinstance(spec, Conv) and spec.activation and batch_norm:
            units[f"{name}_bn"] = nn.BatchNorm2d(out[0])
        if getattr(spec, "activation", False):
            units[f"{name}_act"] = activation()
        if isinstance(spec, FC) and spec.dropout:
            units[f"{name}_drop"] = nn.Dropout(spec.dropout)
        shape = out
    return units


def network(
    specs: Iterable[Spec],
    input_size: Shape,
    *,
    activation: Callable[[], nn.Module] = nn.ReLU,
    batch_norm: bool = False,
) -> Network:
    """``stack`` the specs into a ``Network``."""
    units = stack(specs, input_size, activation=activation, batch_norm=batch_norm)
    return Network(units, input_size)


Module = TypeVar("Module", bound=nn.Module)


@torch.no_grad()
def fold_batch_norm(model: Network) -> Network:
    """The same function as ``model`` in eval mode, without its batch norms: each
    ``<name>_bn`` unit is folded into the convolution ``<name>`` before it.

    A batch norm in eval mode is the affine map ``y = (x - mean) * g + beta`` with
    ``g = gamma / sqrt(var + eps)`` per channel, so the conv's weights scale by ``g`` and its
    bias becomes ``(bias - mean) * g + beta``. The result has the units (and state dict names)
    of the network built without ``batch_norm``, so a network trained with batch norm ships
    as the plain architecture.
    """
    units: OrderedDict[str, nn.Module] = OrderedDict()
    for name, unit in model.named_children():
        if not isinstance(unit, nn.BatchNorm2d):
            units[name] = copy.deepcopy(unit)
            continue
        conv = units[name.removesuffix("_bn")]
        if not isinstance(conv, nn.Conv2d) or conv.bias is None:
            raise ValueError(f"{name} does not follow a convolution with a bias")
        scale = unit.weight / torch.sqrt(unit.running_var + unit.eps)
        conv.weight.mul_(scale.view(-1, 1, 1, 1))
        conv.bias.copy_((conv.bias - unit.running_mean) * scale + unit.bias)
    return Network(units, model.input_size)


HOMOGENEOUS = (nn.ReLU, nn.MaxPool2d, nn.Flatten, nn.Dropout)  # f(a x) = a f(x) for a > 0


def gain(layer: nn.Conv2d | nn.Linear) -> float:
    """A weight layer's gain: the RMS of its weights over He's standard deviation
    sqrt(2 / fan_in), so about 1 at initialisation.

    >>> layer = nn.Conv2d(1, 1, 3, bias=False)
    >>> _ = layer.weight.data.fill_(2 * math.sqrt(2 / 9))  # twice He's deviation for fan-in 9
    >>> round(gain(layer), 6)
    2.0
    """
    weight = layer.weight.detach()
    return float(weight.pow(2).mean().sqrt() / math.sqrt(2 / weight[0].numel()))


def gains(model: nn.Module) -> dict[str, float]:
    """The `gain` of each weight layer among the model's units, by unit name."""
    return {
        name: gain(unit)
        for name, unit in model.named_children()
        if isinstance(unit, (nn.Conv2d, nn.Linear))
    }


@torch.no_grad()
def balance(model: Network) -> dict[str, float]:
    """Give every weight layer of a ReLU chain the same `gain`, in place, without changing the
    network's function; returns the factor of each scaled parameter, by state-dict name.

    ReLU is positively homogeneous, so a layer's weights may be multiplied by c if the
    biases from there on are multiplied by c too and a later layer's weights by 1 / c. With
    c = (geometric mean of the gains) / (the layer's gain) for every layer, the product of
    the factors is 1 and the output is untouched, bias units after the last layer included.
    Why: trained without normalisation and with little weight decay, a chain drifts to very
    unequal gains (Adam moves every weight by about its learning rate, whatever the weight's
    size), and a layer whose inputs have grown large then moves its outputs far with every
    step. An optimizer's state follows the returned factors (Adam's moments divide by c and
    by c squared).
    """
    before = gains(model)
    units = list(model.named_children())
    weighted = [i for i, (name, _) in enumerate(units) if name in before]
    for name, unit in units[weighted[0] : weighted[-1]] if weighted else []:
        if name not in before and not isinstance(unit, HOMOGENEOUS):
            raise ValueError(
                f"{name} ({type(unit).__name__}) is between weight layers and does not keep "
                f"a positive factor (as ReLU, max pooling and flattening do): cannot balance"
            )
    target = math.exp(sum(math.log(g) for g in before.values()) / max(1, len(before)))
    factors, cumulative = {}, 1.0
    for name, gain_before in before.items():
        unit = model.get_submodule(name)
        c = target / gain_before
        cumulative *= c
        unit.weight.mul_(c)
        factors[f"{name}.weight"] = c
        if unit.bias is not None:
            unit.bias.mul_(cumulative)
            factors[f"{name}.bias"] = cumulative
    return factors


@torch.no_grad()
def widen(source: Network, target: Network, generator: torch.Generator) -> Network:
    """Fill ``target``, a wider network of the same chain of convolutions, so that it computes
    ``source``'s function (Net2WiderNet [Chen, Goodfellow and Shlens 2016]); returns it.

    Each hidden conv keeps its filters and gains copies of a random permutation of them; the
    next conv splits each input channel's weights among the copies by random positive shares
    that sum to 1, so the copies, equal in what they compute, receive different gradients
    and grow apart in training. Why: a wide network that starts from a trained narrow one
    skips the millions of positions it would take to relearn what the narrow one knows.
    Units without weights must act channel by channel (as ReLU does); other parameterised
    units (the per-point bias) are copied as they are.
    """
    sources = dict(source.named_children())
    if list(sources) != [name for name, _ in target.named_children()]:
        raise ValueError("widen: the two networks do not have the same units")
    first = next(unit for unit in source.children() if isinstance(unit, nn.Conv2d))
    copies = torch.arange(first.in_channels)  # each input channel of the target: the source's
    for name, unit in target.named_children():
        old = sources[name]
        if isinstance(unit, nn.BatchNorm2d) or isinstance(old, nn.BatchNorm2d):
            raise ValueError(f"widen: {name} is a batch norm; fold it first (fold_batch_norm)")
        if not isinstance(unit, nn.Conv2d):
            state = old.state_dict()
            for key, tensor in unit.state_dict().items():
                if tensor.shape != state[key].shape:
                    raise ValueError(f"widen: {name}.{key} is not a convolution's to widen")
            unit.load_state_dict(state)
            continue
        if unit.out_channels < old.out_channels or unit.in_channels != len(copies):
            raise ValueError(
                f"widen: {name} has {unit.out_channels} filters on {unit.in_channels} channels; "
                f"the source's {old.out_channels} on {len(copies)} do not fit into it"
            )
        outputs = channel_copies(old.out_channels, unit.out_channels, generator)
        weight = old.weight[outputs][:, copies]
        shares = torch.empty_like(weight).uniform_(0.5, 1.5, generator=generator)
        totals = weight.new_zeros(len(outputs), old.in_channels, *weight.shape[2:])
        totals.index_add_(1, copies, shares)
        unit.weight.copy_(weight * (shares / totals[:, copies]))  # exact where one copy
        if unit.bias is not None:
            unit.bias.copy_(old.bias[outputs])
        copies = outputs
    return target


def channel_copies(channels: int, wider: int, generator: torch.Generator) -> torch.Tensor:
    """For each of ``wider`` channels, the one of ``channels`` it copies: each once in order,
    then random permutations of them, so no channel is copied twice before all once.

    >>> channel_copies(3, 7, torch.Generator().manual_seed(0)).tolist()[:3]
    [0, 1, 2]
    >>> sorted(channel_copies(3, 6, torch.Generator().manual_seed(0)).tolist())
    [0, 0, 1, 1, 2, 2]
    """
    extra = [torch.randperm(channels, generator=generator) for _ in range(wider // channels)]
    return torch.cat([torch.arange(channels), *extra])[:wider]


def he_initialised(model: Module, mode: str = "fan_in") -> Module:
    """He initialisation [He et al. 2015] of every convolution (ReLU gain), zero conv biases.

    Normal weights of variance 2 / fan keep the signal's scale through a stack of ReLU
    layers; ``mode`` "fan_in" keeps the forward activations' scale, "fan_out" the gradients'.
    Returns the model, initialised in place.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode=mode, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model
