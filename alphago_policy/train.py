"""Train the policy network: cross-entropy of the expert move over 361 points.

    python -m alphago_policy train --data ../shared/data/sgf --out runs/k64 --max-minutes 60
    python -m alphago_policy train --data data/prepared --out runs/k192 --max-minutes 9
    python -m alphago_policy train --out runs/k192 --resume --max-minutes 9
    torchrun --standalone --nproc-per-node 8 -m alphago_policy train --data ... --out ...

`--data` is game records (directories, archives, .sgf files: positions are computed on the fly
by worker processes, see alphago_policy.stream) or a directory written by `prepare`; both are
read through alphago_policy.training_data. Every setting is a field of
alphago_policy.training_settings.Settings, with a flag (`--batch-size 256`). The defaults are
the paper's: plain SGD, minibatch 16, lr 0.003 halved every 80 million steps. Larger batches
with momentum or AdamW and cosine decay are the obvious faster candidates on one GPU; which to
use is decided by short runs compared on validation loss, not assumed.

On the CPU the step runs in bfloat16 autocast with channels_last where the processor computes
bf16 natively (AVX512-BF16, AMX: 2 to 3 times faster), else in float32; the log says which.
`--batch-norm` trains with a batch norm after each hidden conv; the weights are written with
it folded in, so the shipped network is always the paper's architecture. Weight decay applies
to the convolution weights only (not to biases, batch norms or the per-point bias).

A run lives in its `--out` directory (alphago_policy.run_dir): `checkpoint.pt` (everything
needed to continue, written atomically every `--checkpoint-minutes`, at the end, on
SIGTERM/SIGINT and when `--max-minutes` runs out), `policy_k{k}.pt` (the weights with their
model card, written with each checkpoint) and `log.jsonl` (one JSON object per line: training
and validation figures). One process trains a run at a time: a second one on the same `--out`
is refused. A run stopped by SIGINT or SIGTERM checkpoints and exits with 130 or 143, so that
`train && ship` ships only a finished run. `--resume` continues the run exactly where the
checkpoint left it: same settings (flags given with `--resume` override them, e.g. a new
`--max-steps`), same optimizer and schedule state, same data position; log lines written
after that checkpoint (by a run that was killed) are dropped. A loss that turns NaN or
infinite stops the run without writing: the last good checkpoint stays, and the exit status
is non-zero. `--resume --rebalance` first gives every layer the same gain without changing
the network's function (`cnn.network.balance`, the optimizer's state scaled to follow), for a
run whose layers have drifted apart; each validation logs the ratio of the largest layer gain
to the smallest. `--ema D` also keeps a moving average of the weights, validated beside the
network (ema_val_loss, ema_val_accuracy) and written as `ema_k{k}.pt`.

The file reads top to bottom: the schedule and optimizer, one step, validation, the start of
a run (new or resumed), its checkpoints, the loop, and the command.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import signal
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.utils import clip_grads_with_norm_, get_total_norm
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from alphago_policy import checkpoint as ckpt
from alphago_policy.cli import fail
from alphago_policy.files import OutputError
from alphago_policy.metrics import batch_figures, mean_figures
from alphago_policy.policy import WeightsError, build, load_policy, options
from alphago_policy.run_dir import RunDir, RunInUse
from alphago_policy.runlog import JsonLog
from alphago_policy.runtime import (
    Cluster,
    StopRequest,
    agree,
    autocast,
    hardware,
    leave_cluster,
    memory_format,
    rng_state,
    set_rng_state,
    set_up_device,
    summed,
    uses_bf16,
)
from alphago_policy.training_data import Batch, TrainingData, open_data
from alphago_policy.training_settings import (
    Settings,
    SettingsError,
    add_arguments,
    check,
    settings_from,
)
from cnn.network import balance, gains, widen

CARD_NAMES = {  # figures of the log -> their names in the model card
    "loss": "train_loss",
    "accuracy": "train_accuracy",
    "val_loss": "validation_loss",
    "val_accuracy": "validation_accuracy",
    "val_positions": "validation_positions",
}
# The command's interface (add_arguments, run: see alphago_policy.__main__) and what scripts and
# benchmarks import from here.
__all__ = [
    "Diverged",
    "Settings",
    "SettingsError",
    "add_arguments",
    "run",
    "settings_from",
    "train",
]


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


def validate_average(
    ema: AveragedModel | None, data: TrainingData, settings: Settings
) -> dict[str, Any]:
    """`validate` of the moving average, its figures named ema_val_loss, ema_val_accuracy."""
    if ema is None:
        return {}
    figures = validate(ema.module, data, settings)
    return {
        f"ema_{name}": figures[name] for name in ("val_loss", "val_accuracy") if name in figures
    }


@torch.inference_mode()
def validate(model, data: TrainingData, settings: Settings) -> dict[str, Any]:
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
    figures = mean_figures(summed(data.cluster, totals))
    if not figures:
        return {}
    return {f"val_{name}": value for name, value in figures.items()} | {
        "gain_ratio": gain_ratio(model)
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


@dataclass
class Run:
    """A run in progress: its network (`net`: wrapped for DDP or torch.compile), moving average,
    optimizer and schedule, its data, where it stands and where it writes."""

    settings: Settings
    data: TrainingData
    cluster: Cluster
    run_dir: RunDir
    model: torch.nn.Module
    net: torch.nn.Module | None
    ema: AveragedModel | None
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    origin: dict[str, Any]
    machine: str
    precision: str
    step: int = 0
    elapsed_before: float = 0.0  # training seconds of the run before this process
    saved_step: int | None = None  # the step of the last checkpoint written
    log: JsonLog | None = None  # the main process's
    started: float = 0.0  # time.monotonic() when this process's loop began

    def elapsed(self) -> float:
        """The run's training seconds so far."""
        return self.elapsed_before + time.monotonic() - self.started


def new_network(
    settings: Settings, device: torch.device, source: torch.nn.Module | None
) -> torch.nn.Module:
    """The run's network: He-initialised by its builder, or the --init network widened into it."""
    torch.manual_seed(settings.seed)
    model = build(settings.k, batch_norm=settings.batch_norm)
    if source is not None:
        widen(source, model, torch.Generator().manual_seed(settings.seed))
    return model.to(device, memory_format=memory_format(device, settings))


def restore(run: Run, state: ckpt.Checkpoint) -> None:
    """Give a resumed run its checkpoint's network, moving average, optimizer, schedule, step
    and random generators (the rate is the settings': --lr may be new), and cut its log back to
    that checkpoint."""
    run.model.load_state_dict(state.model)
    if run.ema is not None and state.ema:
        run.ema.load_state_dict(state.ema)
    elif run.ema is not None:
        run.ema = moving_average(run.model, run.settings)  # --ema given to a run that kept none
    run.optimizer.load_state_dict(state.optimizer)
    run.scheduler.load_state_dict(state.scheduler)
    run.scheduler.base_lrs = [run.settings.lr] * len(run.optimizer.param_groups)
    for group in run.optimizer.param_groups:
        group["lr"] = run.settings.lr * lr_factor(state.step, run.settings)
    run.step, run.elapsed_before, run.saved_step = state.step, state.elapsed_seconds, state.step
    set_rng_state(state.rng)
    if run.cluster.main:
        run.run_dir.cut_log(state.step)


def rebalance_layers(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Give every layer the same gain, the optimizer's state following; return the gains before
    and after (every process holds the same weights and state, so all do the same)."""
    before = gains(model)
    factors = balance(model)
    for name, param in model.named_parameters():
        if name in factors:
            follow(optimizer.state[param], factors[name])
    return {"gains_before": before, "gains_after": gains(model)}


def start(
    settings: Settings,
    state: ckpt.Checkpoint | None,
    data: TrainingData,
    device: torch.device,
    cluster: Cluster,
    source: torch.nn.Module | None,
    origin: dict[str, Any],
) -> Run:
    """The run at its start: a new network (from `source` when given) or the checkpoint's."""
    if state is not None:
        origin = state.origin
    model = new_network(settings, device, source)
    optimizer = make_optimizer(model, settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, partial(lr_factor, settings=settings))
    run = Run(
        settings=settings,
        data=data,
        cluster=cluster,
        run_dir=RunDir(settings.out),
        model=model,
        net=None,
        ema=moving_average(model, settings),
        optimizer=optimizer,
        scheduler=scheduler,
        origin=origin,
        machine=hardware(device.type),
        precision="bfloat16 autocast" if uses_bf16(device, settings) else "float32",
    )
    if state is not None:
        restore(run, state)
    if cluster.main:
        run.run_dir.check_room(model)
    return run


def wrapped(model: torch.nn.Module, settings: Settings, device: torch.device, cluster: Cluster):
    """The network the steps go through: under DDP with several processes, compiled when asked."""
    net = model
    if cluster.world_size > 1:
        ids = [device.index] if device.type == "cuda" else None
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
    if settings.compile:
        net = torch.compile(net)
    return net


def cards(run: Run, figures: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model cards of the network's and the moving average's weights at this step."""
    settings = run.settings
    card = {
        "trained": True,
        "steps": run.step,
        "positions": run.step * settings.batch_size,
        "data": settings.data,
        "machine": run.machine,
        "precision": run.precision,
        "batch_norm": "trained with batch norm, folded in" if settings.batch_norm else "none",
        "date": datetime.date.today().isoformat(),
        "train_seconds": round(run.elapsed()),
        "settings": asdict(settings),
        **({"initialised_from": run.origin} if run.origin else {}),
        **{CARD_NAMES[name]: value for name, value in figures.items() if name in CARD_NAMES},
    }
    average = {
        **card,
        "average": f"exponential moving average of the weights, decay {settings.ema}",
        **{
            CARD_NAMES[name[4:]]: value
            for name, value in figures.items()
            if name.startswith("ema_") and name[4:] in CARD_NAMES
        },
    }
    return card, average


def save(run: Run, figures: dict[str, Any]) -> None:
    """Checkpoint the run with its weights files (the main process writes, the others wait)."""
    if not run.cluster.main:
        return
    state = ckpt.Checkpoint(
        settings=asdict(run.settings),
        step=run.step,
        elapsed_seconds=run.elapsed(),
        model=run.model.state_dict(),
        optimizer=run.optimizer.state_dict(),
        scheduler=run.scheduler.state_dict(),
        rng=rng_state(),
        data={**run.data.describe(), "position": run.data.position()},
        origin=run.origin,
        ema=run.ema.state_dict() if run.ema is not None else {},
    )
    card, average = cards(run, figures)
    kept = None if run.ema is None else (run.ema.module, average)
    run.run_dir.save(state, run.model, card, kept, run.log)
    run.saved_step = run.step


def stop_if_diverged(run: Run, loss_sum: float, what: str) -> None:
    """Raise Diverged, after logging it, when a loss is NaN or infinite."""
    if math.isfinite(loss_sum):
        return
    if run.log:
        run.log.write(event="diverged", step=run.step, loss=str(loss_sum))
    lower = f"--lr {run.settings.lr / 10:g}"
    if run.saved_step is None:
        what_now = f"no checkpoint was written. Start again with a lower rate (`{lower}`)"
    else:
        what_now = (
            f"its checkpoint of step {run.saved_step} is kept. Resume with a lower rate "
            f"(`--resume {lower}`) or start again"
        )
    raise Diverged(
        f"{run.run_dir.path}: the training loss became {loss_sum} by step {run.step} ({what}); "
        f"{what_now}."
    )


class Meter:
    """The training figures since the last log line, summed on the device: (loss sum, correct
    top-1, positions) and the gradient's norm (sum, largest). DDP averages the gradients before
    the step, so every process holds the same norms and they are not reduced."""

    def __init__(self, device: torch.device) -> None:
        self.sums = torch.zeros(3, dtype=torch.float64, device=device)
        self.norms = torch.zeros(2, dtype=torch.float64, device=device)
        self.since = time.monotonic()

    def add(self, batch: torch.Tensor, grad_norm: torch.Tensor) -> None:
        self.sums += batch
        self.norms[0] += grad_norm
        self.norms[1] = torch.maximum(self.norms[1], grad_norm)

    def loss_sum(self, cluster: Cluster) -> float:
        """The loss summed since the last log line over all processes (a GPU synchronisation)."""
        return summed(cluster, self.sums)[0].item()


def log_training(run: Run, meter: Meter, progress: tqdm) -> dict[str, Any]:
    """Read the meter (stopping a diverged run), restart it, and log the training figures."""
    loss_sum, correct, count = summed(run.cluster, meter.sums).tolist()
    stop_if_diverged(run, loss_sum, "training batches")
    norm_sum, norm_max = meter.norms.tolist()
    now = time.monotonic()
    figures = {
        "loss": loss_sum / count,
        "accuracy": correct / count,
        "grad_norm": norm_sum / (count / run.settings.batch_size),
        "grad_norm_max": norm_max,
        "lr": run.scheduler.get_last_lr()[0],
        "positions_per_s": count / (now - meter.since),
    }
    meter.sums.zero_()
    meter.norms.zero_()
    meter.since = now
    progress.set_postfix(
        loss=f"{figures['loss']:.3f}",
        acc=f"{figures['accuracy']:.3f}",
        pos_s=f"{figures['positions_per_s']:.0f}",
    )
    if run.log:
        elapsed = round(run.elapsed_before + now - run.started, 1)
        run.log.write(event="train", step=run.step, elapsed_s=elapsed, **figures)
    return figures


def validation_figures(run: Run) -> dict[str, Any]:
    """`validate` of the network and of its moving average."""
    return {
        **validate(run.model, run.data, run.settings),
        **validate_average(run.ema, run.data, run.settings),
    }


def log_start(run: Run, resume: bool, rebalanced: dict[str, Any]) -> None:
    """The log's `start` line (and `rebalanced`, when the layers were)."""
    if not run.log:
        return
    run.log.write(
        event="start",
        step=run.step,
        resume=resume,
        world_size=run.cluster.world_size,
        machine=run.machine,
        precision=run.precision,
        threads=torch.get_num_threads(),
        data=run.data.describe(),
        settings=asdict(run.settings),
    )
    if rebalanced:
        run.log.write(event="rebalanced", step=run.step, **rebalanced)


def loop(run: Run, batches: Iterator[Batch]) -> tuple[dict[str, Any], str | None]:
    """Train until max_steps, max_minutes or a stop signal, checkpointing every
    checkpoint_minutes; return the last figures and the stop signal's name, if any. Figures
    are summed on the device and read (a GPU synchronisation) only every log_every steps and
    before every checkpoint."""
    settings, cluster = run.settings, run.cluster
    run.started = last_checkpoint = time.monotonic()
    meter, figures, stop = Meter(run.data.device), {}, StopRequest()
    progress = tqdm(
        total=settings.max_steps,
        initial=run.step,
        disable=not cluster.main,
        unit="step",
        mininterval=1,
    )
    with stop.installed():
        while run.step < settings.max_steps:
            x, y = next(batches)
            batch, grad_norm = train_step(run.net, run.optimizer, run.scheduler, x, y, settings)
            if run.ema is not None:
                run.ema.update_parameters(run.model)
            meter.add(batch, grad_norm)
            run.step += 1
            progress.update()
            if run.step % settings.log_every == 0 or run.step == settings.max_steps:
                figures = log_training(run, meter, progress)
            if settings.eval_every and run.step % settings.eval_every == 0:
                validation = validation_figures(run)
                figures.update(validation)
                if run.log:
                    run.log.write(event="validation", step=run.step, **validation)
            now = time.monotonic()
            out_of_time = (
                settings.max_minutes > 0 and now - run.started >= 60 * settings.max_minutes
            )
            checkpoint_due = now - last_checkpoint >= 60 * settings.checkpoint_minutes
            stopping, checkpoint_due = agree(
                cluster, out_of_time or stop.reason is not None, checkpoint_due
            )
            if stopping:
                break
            if checkpoint_due:
                stop_if_diverged(run, meter.loss_sum(cluster), "before a checkpoint")
                save(run, figures)
                last_checkpoint = now
    progress.close()
    stop_if_diverged(run, meter.loss_sum(cluster), "at the end")
    return figures, stop.reason


def finish(run: Run, figures: dict[str, Any], signal_name: str | None) -> dict[str, Any]:
    """Validate, write the last checkpoint and log the end; return the final figures."""
    figures.update(validation_figures(run))
    stop_if_diverged(run, figures.get("val_loss", 0.0), "validation")
    save(run, figures)
    in_sync = replicas_identical(run.model, run.cluster)
    reason = signal_name or ("max_steps" if run.step >= run.settings.max_steps else "max_minutes")
    if run.log:
        run.log.write(
            event="end", step=run.step, reason=reason, replicas_identical=in_sync, **figures
        )
    return {"step": run.step, "reason": reason, "replicas_identical": in_sync, **figures}


def refuse_impossible(settings: Settings, resume: bool, rebalance: bool) -> None:
    """SettingsError for settings that cannot train, before anything starts."""
    check(settings)
    if rebalance and not resume:
        raise SettingsError("--rebalance balances a trained run's layers: give it with --resume")
    if rebalance and settings.batch_norm:
        raise SettingsError(
            "--rebalance: this run trains with batch norm, which sets each layer's scale itself"
        )


def train(settings: Settings, resume: bool = False, rebalance: bool = False) -> dict[str, Any]:
    """Run (or continue) training until max_steps, max_minutes or a stop signal; return the
    final figures. `rebalance` (with `resume`) balances the layers' gains first. Raises
    SettingsError, CheckpointError, Diverged, RunInUse or OutputError with a message to show."""
    refuse_impossible(settings, resume, rebalance)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    device, cluster = set_up_device(settings.device)
    if settings.batch_size % cluster.world_size:
        raise SettingsError(
            f"--batch-size {settings.batch_size} does not split over {cluster.world_size} processes"
        )
    run_dir = RunDir(settings.out)
    source, origin = (None, {}) if resume else starting_network(settings)
    with run_dir.claimed() if cluster.main else nullcontext():
        if run_dir.has_checkpoint() and not resume:
            raise SettingsError(
                f"{run_dir.checkpoint_path} exists: continue it with --resume, or use another --out"
            )
        state = run_dir.checkpoint() if resume else None
        data = open_data(settings, cluster, device)
        try:
            run = start(settings, state, data, device, cluster, source, origin)
            return train_run(run, state, rebalance)
        finally:
            data.close()


def train_run(run: Run, state: ckpt.Checkpoint | None, rebalance: bool) -> dict[str, Any]:
    """The run from its start (`state`: the checkpoint it resumes) to its last checkpoint."""
    rebalanced = rebalance_layers(run.model, run.optimizer) if rebalance else {}
    run.net = wrapped(run.model, run.settings, run.data.device, run.cluster)
    batches = run.data.batches(run.step, state.data.get("position") if state else None)
    run.log = run.run_dir.open_log() if run.cluster.main else None
    try:
        log_start(run, state is not None, rebalanced)
        figures, signal_name = loop(run, batches)
        result = finish(run, figures, signal_name)
    finally:
        if run.log:
            run.log.close()
    run.net = None  # DDP's reducer holds the process group: let it go first
    leave_cluster(run.cluster)
    return result


def run(args: argparse.Namespace) -> int:
    """The command: train, print the final figures; a run stopped by SIGINT or SIGTERM exits
    with 128 + the signal's number (130, 143), as a shell reports a program it stopped."""
    try:
        settings = settings_from(args)
        result = train(settings, resume=args.resume, rebalance=args.rebalance)
    except (SettingsError, ckpt.CheckpointError, Diverged, RunInUse, OutputError) as error:
        return fail(error)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(result))
    if result["reason"] in signal.Signals.__members__:
        return 128 + signal.Signals[result["reason"]]
    return 0
