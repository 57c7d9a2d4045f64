"""A training run's settings: every one a field of `Settings` with its flag (`--batch-size 256`),
the limits that refuse a setting that cannot train, and how a resumed run combines its
checkpoint's settings with the flags given.

The defaults are the paper's: plain SGD, minibatch 16, lr 0.003 halved every 80 million steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from alphago_policy.run_dir import RunDir

FLAG_TYPES = {"int": int, "float": float, "str": str}
FIXED_SETTINGS = ("k", "batch_norm", "init")  # a resumed run keeps its network and its start


def setting(default: Any, help: str, choices: tuple[str, ...] | None = None) -> Any:
    """A Settings field with its command-line help (and the values it may take)."""
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass
class Settings:
    """Everything a training run depends on; saved in its checkpoint, one flag per field."""

    data: str = setting(
        "data/prepared", "game records (directory, archive, .sgf) or a `prepare`d directory"
    )
    out: str = setting("runs/policy_k192", "run directory: checkpoint, weights, log")
    k: int = setting(192, "filters per convolution layer")
    init: str = setting(
        "",
        "a new run starts from this weights file's network, widened to --k filters where it "
        "has fewer, computing the same function (Net2Net); '': He-initialised",
    )
    batch_norm: bool = setting(False, "batch norm after each hidden conv (folded on write)")
    batch_size: int = setting(16, "positions per step, over all processes together")
    optimizer: str = setting("sgd", "momentum: SGD with Nesterov", ("sgd", "momentum", "adamw"))
    lr: float = setting(0.003, "peak learning rate")
    momentum: float = setting(0.9, "momentum, and AdamW's beta1")
    weight_decay: float = setting(0.0, "on conv weights: decoupled for adamw, L2 for sgd")
    clip_norm: float = setting(0.0, "clip the gradient's norm to this before each step; 0: off")
    ema: float = setting(
        0.0,
        "also keep an exponential moving average of the weights with this decay per step "
        "(e.g. 0.999), validated beside the network and written as ema_k{k}.pt; 0: off",
    )
    schedule: str = setting(
        "step",
        "step: halve every --lr-step-steps; wsd: constant, then cosine over the last "
        "--decay-steps before --max-steps (raise --max-steps to extend the run)",
        ("step", "cosine", "constant", "wsd"),
    )
    lr_step_steps: int = setting(80_000_000, "step schedule: halve the rate this often")
    warmup_steps: int = setting(0, "linear warm-up from 0 to --lr")
    decay_steps: int = setting(340_000_000, "cosine and wsd: steps from --lr to --min-lr")
    min_lr: float = setting(0.0, "cosine and wsd: final learning rate")
    max_steps: int = setting(340_000_000, "stop after this many steps in all")
    max_minutes: float = setting(0.0, "stop, checkpoint and exit after this wall time; 0: none")
    checkpoint_minutes: float = setting(5.0, "minutes between checkpoints")
    log_every: int = setting(100, "steps between training log lines")
    eval_every: int = setting(2000, "steps between validations; 0: only at the end")
    eval_positions: int = setting(
        50_000, "positions per validation (the same for every run: the split's first, seed 0)"
    )
    augment: bool = setting(True, "a random one of the 8 board symmetries per position")
    seed: int = setting(0, "seed of the initial weights and of the data order")
    device: str = setting("auto", "auto: cuda when available", ("auto", "cpu", "cuda"))
    threads: int = setting(0, "torch threads on the CPU; 0: torch's default")
    workers: int = setting(-1, "game-record workers; -1: the cores the trainer leaves, at least 1")
    window_files: int = setting(1024, "game records: files whose positions are shuffled together")
    bf16: bool = setting(True, "bfloat16 autocast on cuda, and on CPUs with bf16 instructions")
    channels_last: bool = setting(True, "NHWC memory layout wherever bf16 autocast runs")
    compile: bool = setting(False, "torch.compile the network (pays on long GPU runs)")


class SettingsError(ValueError):
    """A setting that cannot work; the message names its flag and what would."""


def flag(name: str) -> str:
    """The command-line flag of a Settings field.

    >>> flag("batch_size")
    '--batch-size'
    """
    return "--" + name.replace("_", "-")


LIMITS = {  # setting -> (smallest value, whether that value itself is allowed)
    "k": (1, True),
    "batch_size": (1, True),
    "lr": (0, False),
    "momentum": (0, True),
    "weight_decay": (0, True),
    "clip_norm": (0, True),
    "ema": (0, True),
    "lr_step_steps": (1, True),
    "warmup_steps": (0, True),
    "decay_steps": (1, True),
    "min_lr": (0, True),
    "max_steps": (1, True),
    "max_minutes": (0, True),
    "checkpoint_minutes": (0, False),
    "log_every": (1, True),
    "eval_every": (0, True),
    "eval_positions": (1, True),
    "threads": (0, True),
    "workers": (-1, True),
    "window_files": (1, True),
}


def check_limits(settings: Any, limits: dict[str, tuple[float, bool]]) -> None:
    """Refuse (SettingsError, naming the flag) a setting that is not a finite number within its
    `limits` (name -> smallest value, whether that value itself is allowed), or a momentum of 1
    or more; train's and rl's settings share these rules."""
    for name, (low, inclusive) in limits.items():
        value = getattr(settings, name)
        if not math.isfinite(value):
            raise SettingsError(f"{flag(name)} {value}: must be a finite number")
        if value < low or (value == low and not inclusive):
            bound = f"at least {low}" if inclusive else f"more than {low}"
            raise SettingsError(f"{flag(name)} {value}: must be {bound}")
    if getattr(settings, "momentum", 0) >= 1:
        raise SettingsError(f"--momentum {settings.momentum}: must be below 1")


def check(settings: Settings) -> None:
    """Refuse settings that cannot train, naming the flag (SettingsError).

    >>> check(Settings(batch_size=0))
    Traceback (most recent call last):
    ...
    alphago_policy.training_settings.SettingsError: --batch-size 0: must be at least 1
    """
    check_limits(settings, LIMITS)
    if settings.ema >= 1:
        raise SettingsError(f"--ema {settings.ema}: must be below 1 (0.999 averages ~1000 steps)")
    if settings.min_lr > settings.lr:
        raise SettingsError(f"--min-lr {settings.min_lr} is above --lr {settings.lr}")


def add_setting_flags(parser: argparse.ArgumentParser, settings_class: type) -> None:
    """One flag per field of a settings dataclass made of `setting`s (default shown, not
    applied: unset flags keep the checkpoint's value on --resume), plus --resume; train's and
    rl's settings share it."""
    for option in dataclasses.fields(settings_class):
        text = f"{option.metadata['help']} (default: {option.default})"
        if option.type == "bool":
            kind = {"action": argparse.BooleanOptionalAction}
        else:
            kind = {"type": FLAG_TYPES[option.type], "choices": option.metadata["choices"]}
        parser.add_argument(flag(option.name), default=argparse.SUPPRESS, help=text, **kind)
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its checkpoint"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field (default shown, not applied: unset flags keep the
    checkpoint's value on --resume), plus --resume."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_setting_flags(parser, Settings)
    parser.add_argument(
        "--rebalance",
        action="store_true",
        help="with --resume: first give every layer the same gain, keeping the network's "
        "function (for a run whose layers' scales have drifted apart)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the checkpoint's when resuming, else the defaults; flags override
    (but not the network's shape)."""
    given = {
        name: value for name, value in vars(args).items() if name in Settings.__dataclass_fields__
    }
    if not args.resume:
        return Settings(**given)
    recorded = RunDir(given.get("out", Settings.out)).checkpoint().settings
    fields = Settings.__dataclass_fields__
    for name in FIXED_SETTINGS:
        if name in given and given[name] != recorded.get(name, fields[name].default):
            raise SettingsError(
                f"{flag(name)} {given[name]}: the run in {given.get('out', Settings.out)} trains "
                f"{name}={recorded.get(name)}, which a resumed run keeps; drop the flag, or "
                f"start a new run with another --out"
            )
    known = {
        name: value for name, value in recorded.items() if name in Settings.__dataclass_fields__
    }
    return dataclasses.replace(Settings(**known), **given)
