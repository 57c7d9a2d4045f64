"""Train the policy network: cross-entropy of the expert move over 361 points.

    python -m alphago_policy train --data ../shared/data/sgf --out runs/k64 --max-minutes 60
    python -m alphago_policy train --data data/prepared --out runs/k192 --max-minutes 9
    python -m alphago_policy train --out runs/k192 --resume --max-minutes 9
    torchrun --standalone --nproc-per-node 8 -m alphago_policy train --data ... --out ...

`--data` is game records (directories, archives, .sgf files: positions are computed on the fly
by worker processes, see alphago_policy.stream) or a directory written by `prepare`.

Every setting is a field of `Settings`; each has a flag (`--batch-size 256`). The defaults are
the paper's: plain SGD, minibatch 16, lr 0.003 halved every 80 million steps. Larger batches
with momentum or AdamW and cosine decay are the obvious faster candidates on one GPU; which to
use is decided by short runs compared on validation loss, not assumed.

On the CPU the step runs in bfloat16 autocast with channels_last where the processor computes
bf16 natively (AVX512-BF16, AMX: 2 to 3 times faster), else in float32; the log says which.
`--batch-norm` trains with a batch norm after each hidden conv; the weights are written with
it folded in, so the shipped network is always the paper's architecture. Weight decay applies
to the convolution weights only (not to biases, batch norms or the per-point bias).

A run lives in its `--out` directory: `checkpoint.pt` (alphago_policy.checkpoint: everything
needed to continue, written atomically every `--checkpoint-minutes`, at the end, on
SIGTERM/SIGINT and when `--max-minutes` runs out), `policy_k{k}.pt` (the weights with their
model card, written with each checkpoint) and `log.jsonl` (one JSON object per line: training
and validation figures). `--resume` continues the run exactly where the checkpoint left it:
same settings (flags given with `--resume` override them, e.g. a new `--max-steps`), same
optimizer and schedule state, same data position; log lines written after that checkpoint (by
a run that was killed) are dropped. A loss that turns NaN or infinite stops the run without
writing: the last good checkpoint stays, and the exit status is non-zero. `--resume
--rebalance` first gives every layer the same gain without changing the network's function
(`cnn.network.balance`, the optimizer's state scaled to follow), for a run whose layers have
drifted apart; each validation logs the ratio of the largest layer gain to the smallest.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.utils import clip_grads_with_norm_, get_total_norm
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from alphago_policy import checkpoint as ckpt
from alphago_policy import stream
from alphago_policy.cli import fail
from alphago_policy.dataset import Decoder, PositionDataset, make_loader
from alphago_policy.layout import is_prepared
from alphago_policy.policy import WeightsError, build, load_policy, options, save_weights
from alphago_policy.runlog import LOG, JsonLog, cut_log
from alphago_policy.runtime import (
    Cluster,
    StopRequest,
    agree,
    cpu_has_bf16,
    hardware,
    leave_cluster,
    rng_state,
    set_rng_state,
    set_up_device,
    summed,
)
from cnn.network import balance, gains, widen

FLAG_TYPES = {"int": int, "float": float, "str": str}
EVAL_BATCH = 512  # validation positions per batch and process
CARD_NAMES = {  # figures of the log -> their names in the model card
    "loss": "train_loss",
    "accuracy": "train_accuracy",
    "val_loss": "validation_loss",
    "val_accuracy": "validation_accuracy",
    "val_positions": "validation_positions",
}
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


def check(settings: Settings) -> None:
    """Refuse settings that cannot train, naming the flag (SettingsError).

    >>> check(Settings(batch_size=0))
    Traceback (most recent call last):
    ...
    alphago_policy.train.SettingsError: --batch-size 0: must be at least 1
    """
    for name, (low, inclusive) in LIMITS.items():
        value = getattr(settings, name)
        if not math.isfinite(value):
            raise SettingsError(f"{flag(name)} {value}: must be a finite number")
        if value < low or (value == low and not inclusive):
            bound = f"at least {low}" if inclusive else f"more than {low}"
            raise SettingsError(f"{flag(name)} {value}: must be {bound}")
    if settings.momentum >= 1:
        raise SettingsError(f"--momentum {settings.momentum}: must be below 1")
    if settings.ema >= 1:
        raise SettingsError(f"--ema {settings.ema}: must be below 1 (0.999 averages ~1000 steps)")
    if settings.min_lr > settings.lr:
        raise SettingsError(f"--min-lr {settings.min_lr} is above --lr {settings.lr}")


def lr_factor(step: int, settings: Settings) -> float:
    """The learning rate at `step` as a fraction of `settings.lr` (for torch's LambdaLR).

    >>> s = Settings(lr_step_steps=100, warmup_steps=10)
    >>> [lr_factor(n, s) for n in (0, 5, 10, 99, 100, 250)]
    [0.0, 0.5, 1.0, 1.0, 0.5, 0.25]
    >>> s = Settings(schedule="cosine", decay_steps=100, min_lr=0.0003)
    >>> [round(lr_factor(n, s), 3) for n in (0, 50, 100, 200)]
    [1.0, 0.55, 0.1, 0.1]
    >>> s = Settings(schedule="wsd", max_steps=1000, decay_steps=100, min_lr=0)
    >>> [round(lr_factor(n, s), 3) for n in (0, 899, 900, 950, 1000)]
    [1.0, 1.0, 1.0, 0.5, 0.0]
    """
    if step < settings.warmup_steps:
        return step / settings.warmup_steps
    if settings.schedule == "step":
        return 0.5 ** (step // settings.lr_step_steps)
    if settings.schedule in ("cosine", "wsd"):
        start = settings.warmup_steps
        if settings.schedule == "wsd":
            start = max(start, settings.max_steps - settings.decay_steps)
        floor = settings.min_lr / settings.lr
        done = min(1.0, max(0, step - start) / max(1, settings.decay_steps))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done))
    if settings.schedule == "constant":
        return 1.0
    raise ValueError(f"unknown schedule {settings.schedule!r}: use step, cosine, constant or wsd")


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on the convolution weights only: biases, batch norm scales and shifts and
    the per-point bias set no scale, so decaying them only pulls the network off its fit."""
    decay = [p for p in model.parameters() if p.dim() == 4]
    rest = [p for p in model.parameters() if p.dim() != 4]
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": rest, "weight_decay": 0.0},
    ]


def make_optimizer(model: torch.nn.Module, settings: Settings) -> torch.optim.Optimizer:
    """The optimizer named by the settings, over the model's parameters."""
    params, lr = parameter_groups(model, settings.weight_decay), settings.lr
    if settings.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if settings.optimizer == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=settings.momentum, nesterov=True)
    if settings.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(settings.momentum, 0.999))
    raise ValueError(f"unknown optimizer {settings.optimizer!r}: use sgd, momentum or adamw")


def batch_figures(loss_sum: torch.Tensor, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(loss sum, correct top-1, positions) of a batch as float64, left on its device."""
    correct = (logits.argmax(1) == y).sum()
    return torch.stack([loss_sum.double(), correct.double(), correct.new_tensor(len(y)).double()])


def uses_bf16(device: torch.device, settings: Settings) -> bool:
    """Whether the step runs in bfloat16 autocast: on the GPU when enabled, on the CPU when
    enabled and the processor has bf16 instructions."""
    return settings.bf16 and (device.type == "cuda" or cpu_has_bf16())


def autocast(device: torch.device, settings: Settings):
    """bfloat16 autocast where `uses_bf16`; plain float32 otherwise."""
    if uses_bf16(device, settings):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()


def memory_format(device: torch.device, settings: Settings) -> torch.memory_format:
    """channels_last (NHWC, what tensor cores and oneDNN's bf16 kernels want) with bf16."""
    if uses_bf16(device, settings) and settings.channels_last:
        return torch.channels_last
    return torch.contiguous_format


def train_step(
    net, optimizer, scheduler, x, y, settings: Settings
) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimizer step on batch (x, y), its gradient clipped to ``clip_norm`` when set;
    returns its `batch_figures` and the gradient's norm before clipping (no GPU synchronisation).
    """
    with autocast(x.device, settings):
        logits = net(x.contiguous(memory_format=memory_format(x.device, settings))).float()
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    parameters = [p for p in net.parameters() if p.grad is not None]
    grad_norm = get_total_norm([p.grad for p in parameters])
    if settings.clip_norm:
        clip_grads_with_norm_(parameters, settings.clip_norm, grad_norm)
    optimizer.step()
    scheduler.step()
    return batch_figures(loss.detach() * len(y), logits.detach(), y), grad_norm


class Data:
    """The run's batches and validation positions, from prepared shards or game records."""

    def __init__(self, settings: Settings, cluster: Cluster, device: torch.device) -> None:
        self.settings, self.cluster, self.device = settings, cluster, device
        self.prepared = is_prepared(settings.data)
        self.workers = None
        if not self.prepared:
            try:
                self.records = stream.Records.read([settings.data])
            except (FileNotFoundError, ValueError) as error:
                raise SettingsError(f"--data {settings.data}: {error}") from error
            if not self.records.files:
                raise SettingsError(
                    f"--data {settings.data}: no readable SGF file there; give game records "
                    f"(a directory, .sgf, .zip or tar archive) or a directory written by prepare"
                )
            count = settings.workers
            if count < 0:
                count = max(1, (os.cpu_count() or 1) - torch.get_num_threads())
            self.workers = stream.Workers(count)

    def describe(self) -> dict[str, Any]:
        """What the data is, for the log and the checkpoint."""
        if self.prepared:
            return {"kind": "prepared", "path": self.settings.data}
        return {
            "kind": "game records",
            "path": self.settings.data,
            "files": len(self.records.files),
            "unreadable": len(self.records.unreadable),
            "fingerprint": self.records.fingerprint(),
            "workers": self.settings.workers,
        }

    def batches(self, step: int, position: dict[str, int] | None) -> Iterator:
        """This process's share of each batch from the one after `step` (prepared data) or
        from the stream `position` (game records)."""
        settings, cluster = self.settings, self.cluster
        share = settings.batch_size // cluster.world_size
        if self.prepared:
            return make_loader(
                settings.data,
                "train",
                share,
                augment=settings.augment,
                seed=settings.seed,
                rank=cluster.rank,
                world_size=cluster.world_size,
                start_batch=step,
                device=self.device,
            )
        stream_settings = stream.StreamSettings(
            "train", settings.batch_size, settings.seed, settings.window_files, settings.augment
        )
        decoder = Decoder(self.device)
        self.stream = stream.Stream(self.records, stream_settings, self.workers, decoder, position)
        rows = slice(cluster.rank * share, (cluster.rank + 1) * share)
        return ((x[rows], y[rows]) for x, y in self.stream)

    def position(self) -> dict[str, int] | None:
        """Where the game-record stream stands (None for prepared data: the step says it)."""
        return None if self.prepared else dict(self.stream.position)

    def validation(self) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        """Batches of about `eval_positions` validation positions, the same every time."""
        settings, cluster = self.settings, self.cluster
        per_batch = min(EVAL_BATCH, -(-settings.eval_positions // cluster.world_size))
        if self.prepared:
            if len(PositionDataset(settings.data, "validation")) == 0:
                return []
            batches = make_loader(
                settings.data,
                "validation",
                per_batch,
                augment=False,
                seed=0,
                rank=cluster.rank,
                world_size=cluster.world_size,
                epochs=1,
                drop_last=False,
                device=self.device,
            )
            count = -(-settings.eval_positions // (per_batch * cluster.world_size))
            return list(islice(batches, count))
        if not hasattr(self, "_validation"):
            codes, labels, _ = stream.first_positions(
                self.records, "validation", settings.eval_positions, self.workers
            )
            mine = slice(cluster.rank, None, cluster.world_size)
            codes, labels = codes[mine], labels[mine]
            decode = Decoder(self.device)
            self._validation = [
                decode(
                    torch.from_numpy(codes[i : i + per_batch].view(np.int16)),
                    torch.from_numpy(labels[i : i + per_batch].astype(np.int64)),
                    None,
                )
                for i in range(0, len(labels), per_batch)
            ]
        return self._validation

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()


def gain_ratio(model: torch.nn.Module) -> float:
    """The largest layer gain over the smallest (`cnn.network.gains`): 1 for a balanced net."""
    layer_gains = gains(model).values()
    return max(layer_gains) / min(layer_gains)


def moving_average(model: torch.nn.Module, settings: Settings) -> AveragedModel | None:
    """The exponential moving average of the model's weights and batch norm statistics that
    `--ema` keeps beside it (None when off)."""
    if not settings.ema:
        return None
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(settings.ema), use_buffers=True)


def validate_average(ema: AveragedModel | None, data: Data, settings: Settings) -> dict[str, Any]:
    """`validate` of the moving average, its figures named ema_val_loss, ema_val_accuracy."""
    if ema is None:
        return {}
    figures = validate(ema.module, data, settings)
    return {
        f"ema_{name}": figures[name] for name in ("val_loss", "val_accuracy") if name in figures
    }


@torch.inference_mode()
def validate(model, data: Data, settings: Settings) -> dict[str, Any]:
    """Mean loss and top-1 accuracy on the validation positions, and the network's
    `gain_ratio` (nothing when there are no positions)."""
    batches = data.validation()
    if not batches:
        return {}
    model.eval()
    totals = torch.zeros(3, dtype=torch.float64, device=data.device)
    for x, y in batches:
        with autocast(data.device, settings):
            logits = model(x.contiguous(memory_format=memory_format(data.device, settings)))
        logits = logits.float()
        totals += batch_figures(F.cross_entropy(logits, y, reduction="sum"), logits, y)
    model.train()
    loss, correct, count = summed(data.cluster, totals).tolist()
    if count == 0:
        return {}
    return {
        "val_loss": loss / count,
        "val_accuracy": correct / count,
        "val_positions": int(count),
        "gain_ratio": gain_ratio(model),
    }


def replicas_identical(model: torch.nn.Module, cluster: Cluster) -> bool:
    """Whether every process holds exactly rank 0's parameters (DDP keeps them so)."""
    if cluster.world_size == 1:
        return True
    mismatches = 0
    for param in model.parameters():
        reference = param.detach().clone()
        dist.broadcast(reference, src=0)
        mismatches += int(not torch.equal(reference, param.detach()))
    return not agree(cluster, mismatches > 0)[0]


class Diverged(RuntimeError):
    """The loss became NaN or infinite: the run stops and keeps its last good checkpoint."""


def follow(state: dict[str, Any], factor: float) -> None:
    """Scale an optimizer's state for a parameter multiplied by `factor`: its gradient, so
    Adam's first moment and SGD's momentum, divide by the factor; Adam's second moment by its
    square."""
    for name in ("exp_avg", "momentum_buffer"):
        if state.get(name) is not None:
            state[name].div_(factor)
    if "exp_avg_sq" in state:
        state["exp_avg_sq"].div_(factor**2)


def starting_network(settings: Settings) -> tuple[torch.nn.Module | None, dict[str, Any]]:
    """The trained network a new run starts from (`--init`) and what it is (its file, width
    and card, for the run's checkpoint and cards); (None, {}) for a He-initialised run."""
    if not settings.init:
        return None, {}
    if settings.batch_norm:
        raise SettingsError(
            "--init with --batch-norm: a weights file holds the plain network, with no batch "
            "norm to start from; drop one of the two"
        )
    try:
        policy = load_policy(settings.init)
    except WeightsError as error:
        raise SettingsError(f"--init {error}") from error
    theirs, ours = options(policy.model), options(build(settings.k))
    if {**theirs, "k": ours["k"]} != ours or theirs["k"] > ours["k"]:
        raise SettingsError(
            f"--init {settings.init}: its network ({theirs}) does not fit into this run's "
            f"({ours}): give a --k of at least {theirs['k']}, or another weights file"
        )
    return policy.model, {"weights": settings.init, "k": theirs["k"], "card": policy.card}


def train(settings: Settings, resume: bool = False, rebalance: bool = False) -> dict[str, Any]:
    """Run (or continue) training until max_steps, max_minutes or a stop signal; return the
    final figures. `rebalance` (with `resume`) balances the layers' gains first. Raises
    SettingsError, CheckpointError or Diverged with a message to show."""
    check(settings)
    if rebalance and not resume:
        raise SettingsError("--rebalance balances a trained run's layers: give it with --resume")
    if rebalance and settings.batch_norm:
        raise SettingsError(
            "--rebalance: this run trains with batch norm, which sets each layer's scale itself"
        )
    if settings.threads:
        torch.set_num_threads(settings.threads)
    device, cluster = set_up_device(settings.device)
    if settings.batch_size % cluster.world_size:
        raise SettingsError(
            f"--batch-size {settings.batch_size} does not split over {cluster.world_size} processes"
        )
    out = Path(settings.out)
    if ckpt.path_of(out).exists() and not resume:
        raise SettingsError(
            f"{ckpt.path_of(out)} exists: continue it with --resume, or use another --out"
        )
    state = ckpt.load(out) if resume else None
    source, origin = (None, state.origin) if resume else starting_network(settings)
    data = Data(settings, cluster, device)  # before the run directory: bad data leaves none
    new = not out.exists()
    try:
        return _train(settings, state, data, device, cluster, rebalance, source, origin)
    except BaseException:
        if new and cluster.main and not ckpt.path_of(out).exists():
            shutil.rmtree(out, ignore_errors=True)  # a run that wrote nothing leaves nothing
        raise
    finally:
        data.close()


def _train(
    settings: Settings,
    state: ckpt.Checkpoint | None,
    data: Data,
    device: torch.device,
    cluster: Cluster,
    rebalance: bool = False,
    source: torch.nn.Module | None = None,
    origin: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)

    # The network (He-initialised by its builder, or the --init network widened into it),
    # optimizer and schedule; from the checkpoint when resuming.
    torch.manual_seed(settings.seed)
    model = build(settings.k, batch_norm=settings.batch_norm)
    if source is not None:
        widen(source, model, torch.Generator().manual_seed(settings.seed))
    model = model.to(device, memory_format=memory_format(device, settings))
    optimizer = make_optimizer(model, settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, partial(lr_factor, settings=settings))
    step, elapsed_before, position, saved_step = 0, 0.0, None, None
    ema = moving_average(model, settings)
    if state is not None:
        model.load_state_dict(state.model)
        if ema is not None and state.ema:
            ema.load_state_dict(state.ema)
        elif ema is not None:
            ema = moving_average(model, settings)  # --ema given to a run that kept none
        optimizer.load_state_dict(state.optimizer)
        scheduler.load_state_dict(state.scheduler)
        scheduler.base_lrs = [settings.lr] * len(optimizer.param_groups)  # --lr may be new
        for group in optimizer.param_groups:
            group["lr"] = settings.lr * lr_factor(state.step, settings)
        step, elapsed_before, saved_step = state.step, state.elapsed_seconds, state.step
        position = state.data.get("position")
        set_rng_state(state.rng)
        if cluster.main:
            cut_log(out / LOG, step)
    balanced = {}
    if rebalance:  # every process holds the same weights and state, so all do the same
        balanced["gains_before"] = gains(model)
        factors = balance(model)
        for name, param in model.named_parameters():
            if name in factors:
                follow(optimizer.state[param], factors[name])
        balanced["gains_after"] = gains(model)
    net = model
    if cluster.world_size > 1:
        ids = [device.index] if device.type == "cuda" else None
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
    if settings.compile:
        net = torch.compile(net)

    batches = data.batches(step, position)
    log = JsonLog(out / LOG) if cluster.main else None
    machine = hardware(device.type)
    precision = "bfloat16 autocast" if uses_bf16(device, settings) else "float32"

    def write_checkpoint(figures: dict[str, Any]) -> None:
        if not cluster.main:
            return
        elapsed = elapsed_before + time.monotonic() - started
        ckpt.Checkpoint(
            settings=asdict(settings),
            step=step,
            elapsed_seconds=elapsed,
            model=model.state_dict(),
            optimizer=optimizer.state_dict(),
            scheduler=scheduler.state_dict(),
            rng=rng_state(),
            data={**data.describe(), "position": data.position()},
            origin=origin or {},
            ema=ema.state_dict() if ema is not None else {},
        ).save(out)
        card = {
            "trained": True,
            "steps": step,
            "positions": step * settings.batch_size,
            "data": settings.data,
            "machine": machine,
            "precision": precision,
            "batch_norm": "trained with batch norm, folded in" if settings.batch_norm else "none",
            "date": datetime.date.today().isoformat(),
            "train_seconds": round(elapsed),
            "settings": asdict(settings),
            **({"initialised_from": origin} if origin else {}),
            **{CARD_NAMES[name]: value for name, value in figures.items() if name in CARD_NAMES},
        }
        save_weights(model, out / f"policy_k{settings.k}.pt", card)
        if ema is not None:
            average = {
                "average": f"exponential moving average of the weights, decay {settings.ema}",
                **{
                    CARD_NAMES[name[4:]]: value
                    for name, value in figures.items()
                    if name.startswith("ema_") and name[4:] in CARD_NAMES
                },
            }
            save_weights(ema.module, out / f"ema_k{settings.k}.pt", {**card, **average})
        log.write(event="checkpoint", step=step)
        nonlocal saved_step
        saved_step = step

    def finite_or_stop(loss_sum: float, what: str) -> None:
        if math.isfinite(loss_sum):
            return
        if log:
            log.write(event="diverged", step=step, loss=str(loss_sum))
        kept = "no checkpoint was written"
        if saved_step is not None:
            kept = f"its checkpoint of step {saved_step} is kept"
        raise Diverged(
            f"{out}: the training loss became {loss_sum} by step {step} ({what}); {kept}. "
            f"Resume with a lower rate (`--resume --lr {settings.lr / 10:g}`) or start again."
        )

    # The loop: one optimizer step per batch; figures are summed on the device and read (a
    # GPU synchronisation) only every log_every steps and before every checkpoint.
    started = last_checkpoint = last_log = time.monotonic()
    running = torch.zeros(3, dtype=torch.float64, device=device)
    # The gradient's norm, summed and the largest, since the last log line: DDP averages the
    # gradients before the step, so every process holds the same figures and none is reduced.
    grad_norms = torch.zeros(2, dtype=torch.float64, device=device)
    figures: dict[str, Any] = {}
    stop = StopRequest()
    progress = tqdm(
        total=settings.max_steps, initial=step, disable=not cluster.main, unit="step", mininterval=1
    )
    if log:
        log.write(
            event="start",
            step=step,
            resume=state is not None,
            world_size=cluster.world_size,
            machine=machine,
            precision=precision,
            threads=torch.get_num_threads(),
            data=data.describe(),
            settings=asdict(settings),
        )
        if balanced:
            log.write(event="rebalanced", step=step, **balanced)
    with stop.installed():
        while step < settings.max_steps:
            x, y = next(batches)
            batch, grad_norm = train_step(net, optimizer, scheduler, x, y, settings)
            if ema is not None:
                ema.update_parameters(model)
            running += batch
            grad_norms[0] += grad_norm
            grad_norms[1] = torch.maximum(grad_norms[1], grad_norm)
            step += 1
            progress.update()

            if step % settings.log_every == 0 or step == settings.max_steps:
                loss_sum, correct, count = summed(cluster, running).tolist()
                finite_or_stop(loss_sum, "training batches")
                norm_sum, norm_max = grad_norms.tolist()
                now = time.monotonic()
                figures = {
                    "loss": loss_sum / count,
                    "accuracy": correct / count,
                    "grad_norm": norm_sum / (count / settings.batch_size),
                    "grad_norm_max": norm_max,
                    "lr": scheduler.get_last_lr()[0],
                    "positions_per_s": count / (now - last_log),
                }
                running.zero_()
                grad_norms.zero_()
                last_log = now
                progress.set_postfix(
                    loss=f"{figures['loss']:.3f}",
                    acc=f"{figures['accuracy']:.3f}",
                    pos_s=f"{figures['positions_per_s']:.0f}",
                )
                if log:
                    elapsed = round(elapsed_before + now - started, 1)
                    log.write(event="train", step=step, elapsed_s=elapsed, **figures)
            if settings.eval_every and step % settings.eval_every == 0:
                validation = validate(model, data, settings)
                validation.update(validate_average(ema, data, settings))
                figures.update(validation)
                if log:
                    log.write(event="validation", step=step, **validation)

            now = time.monotonic()
            out_of_time = settings.max_minutes > 0 and now - started >= 60 * settings.max_minutes
            checkpoint_due = now - last_checkpoint >= 60 * settings.checkpoint_minutes
            stopping, checkpoint_due = agree(
                cluster, out_of_time or stop.reason is not None, checkpoint_due
            )
            if stopping:
                break
            if checkpoint_due:
                finite_or_stop(summed(cluster, running)[0].item(), "before a checkpoint")
                write_checkpoint(figures)
                last_checkpoint = now
    progress.close()

    finite_or_stop(summed(cluster, running)[0].item(), "at the end")
    figures.update(validate(model, data, settings))
    figures.update(validate_average(ema, data, settings))
    finite_or_stop(figures.get("val_loss", 0.0), "validation")
    write_checkpoint(figures)
    in_sync = replicas_identical(model, cluster)
    reason = stop.reason or ("max_steps" if step >= settings.max_steps else "max_minutes")
    if log:
        log.write(event="end", step=step, reason=reason, replicas_identical=in_sync, **figures)
        log.close()
    del net  # DDP's reducer holds the process group: let it go first
    leave_cluster(cluster)
    return {"step": step, "reason": reason, "replicas_identical": in_sync, **figures}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field (default shown, not applied: unset flags keep the
    checkpoint's value on --resume), plus --resume."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for option in dataclasses.fields(Settings):
        text = f"{option.metadata['help']} (default: {option.default})"
        if option.type == "bool":
            kind = {"action": argparse.BooleanOptionalAction}
        else:
            kind = {"type": FLAG_TYPES[option.type], "choices": option.metadata["choices"]}
        parser.add_argument(flag(option.name), default=argparse.SUPPRESS, help=text, **kind)
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its checkpoint"
    )
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
    recorded = ckpt.load(given.get("out", Settings.out)).settings
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


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from(args)
        result = train(settings, resume=args.resume, rebalance=args.rebalance)
    except (SettingsError, ckpt.CheckpointError, Diverged) as error:
        return fail(error)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(result))
    return 0
