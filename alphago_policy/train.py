"""Train the policy network on prepared data: cross-entropy of the expert move over 361 points.

    python -m alphago_policy train --data data/prepared --out runs/k192 --max-minutes 9
    python -m alphago_policy train --out runs/k192 --resume --max-minutes 9
    torchrun --standalone --nproc-per-node 8 -m alphago_policy train --data ... --out ...

Every setting is a field of `Settings`; each has a flag (`--batch-size 256`). The defaults are
the paper's: plain SGD, minibatch 16, lr 0.003 halved every 80 million steps. Larger batches
with momentum or AdamW and cosine decay are the obvious faster candidates on one GPU; which to
use is decided by short runs compared on validation loss, not assumed.

A run lives in its `--out` directory: `checkpoint.pt` (everything needed to continue, written
atomically every `--checkpoint-minutes`, at the end, on SIGTERM/SIGINT and when `--max-minutes`
runs out), `policy_k{k}.pt` (the weights with their model card, written with each checkpoint)
and `log.jsonl` (one JSON object per line: training and validation figures). `--resume`
continues the run exactly where the checkpoint left it: same settings (flags given with
`--resume` override them, e.g. a new `--max-steps`), same optimizer and schedule state, same
data position.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import random
import signal
import time
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from tqdm import tqdm

from alphago_policy.dataset import PositionDataset, make_loader
from alphago_policy.model import atomic_save, build, save_weights

CHECKPOINT = "checkpoint.pt"
FLAG_TYPES = {"int": int, "float": float, "str": str}
LOG = "log.jsonl"
EVAL_BATCH = 512  # validation positions per batch and process
CARD_NAMES = {  # figures of the log -> their names in the model card
    "loss": "train_loss",
    "accuracy": "train_accuracy",
    "val_loss": "validation_loss",
    "val_accuracy": "validation_accuracy",
    "val_positions": "validation_positions",
}


def setting(default: Any, help: str, choices: tuple[str, ...] | None = None) -> Any:
    """A Settings field with its command-line help (and the values it may take)."""
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass
class Settings:
    """Everything a training run depends on; saved in its checkpoint, one flag per field."""

    data: str = setting("data/prepared", "directory written by `alphago_policy prepare`")
    out: str = setting("runs/policy_k192", "run directory: checkpoint, weights, log")
    k: int = setting(192, "filters per convolution layer")
    batch_size: int = setting(16, "positions per step, over all processes together")
    optimizer: str = setting("sgd", "momentum: SGD with Nesterov", ("sgd", "momentum", "adamw"))
    lr: float = setting(0.003, "peak learning rate")
    momentum: float = setting(0.9, "momentum, and AdamW's beta1")
    weight_decay: float = setting(0.0, "decoupled for adamw, L2 for sgd/momentum")
    schedule: str = setting(
        "step", "step: halve every --lr-step-steps", ("step", "cosine", "constant")
    )
    lr_step_steps: int = setting(80_000_000, "step schedule: halve the rate this often")
    warmup_steps: int = setting(0, "linear warm-up from 0 to --lr")
    decay_steps: int = setting(340_000_000, "cosine schedule: steps from --lr to --min-lr")
    min_lr: float = setting(0.0, "cosine schedule: final learning rate")
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
    bf16: bool = setting(True, "bfloat16 autocast on cuda (ignored on the CPU)")
    channels_last: bool = setting(True, "NHWC memory layout on cuda (ignored on the CPU)")
    compile: bool = setting(False, "torch.compile the network (pays on long GPU runs)")


def lr_factor(step: int, settings: Settings) -> float:
    """The learning rate at `step` as a fraction of `settings.lr` (for torch's LambdaLR).

    >>> s = Settings(lr_step_steps=100, warmup_steps=10)
    >>> [lr_factor(n, s) for n in (0, 5, 10, 99, 100, 250)]
    [0.0, 0.5, 1.0, 1.0, 0.5, 0.25]
    >>> s = Settings(schedule="cosine", decay_steps=100, min_lr=0.0003)
    >>> [round(lr_factor(n, s), 3) for n in (0, 50, 100, 200)]
    [1.0, 0.55, 0.1, 0.1]
    """
    if step < settings.warmup_steps:
        return step / settings.warmup_steps
    if settings.schedule == "step":
        return 0.5 ** (step // settings.lr_step_steps)
    if settings.schedule == "cosine":
        floor = settings.min_lr / settings.lr
        done = min(1.0, (step - settings.warmup_steps) / max(1, settings.decay_steps))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done))
    if settings.schedule == "constant":
        return 1.0
    raise ValueError(f"unknown schedule {settings.schedule!r}: use step, cosine or constant")


def make_optimizer(model: torch.nn.Module, settings: Settings) -> torch.optim.Optimizer:
    """The optimizer named by the settings, over the model's parameters."""
    params, lr, decay = model.parameters(), settings.lr, settings.weight_decay
    if settings.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=decay)
    if settings.optimizer == "momentum":
        return torch.optim.SGD(
            params, lr=lr, momentum=settings.momentum, nesterov=True, weight_decay=decay
        )
    if settings.optimizer == "adamw":
        return torch.optim.AdamW(
            params, lr=lr, betas=(settings.momentum, 0.999), weight_decay=decay
        )
    raise ValueError(f"unknown optimizer {settings.optimizer!r}: use sgd, momentum or adamw")


@dataclass(frozen=True)
class Cluster:
    """This process's place among the training processes (one when not under torchrun)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    control: Any = None  # a gloo group for CPU-side agreement (stop, checkpoint)

    @property
    def main(self) -> bool:
        return self.rank == 0


def join_cluster(device: str) -> Cluster:
    """Join the torchrun process group when launched by torchrun (WORLD_SIZE set), else alone."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Cluster()
    backend = "nccl" if device == "cuda" else "gloo"
    dist.init_process_group(backend)
    control = dist.new_group(backend="gloo") if backend == "nccl" else None
    return Cluster(dist.get_rank(), world_size, int(os.environ["LOCAL_RANK"]), control)


def pick_device(name: str) -> str:
    """'cuda' or 'cpu': `auto` takes the GPU when there is one."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def agree(cluster: Cluster, *flags: bool) -> list[bool]:
    """Each flag True on every process if it is True on any (so all stop or save together)."""
    if cluster.world_size == 1:
        return list(flags)
    votes = torch.tensor([int(flag) for flag in flags])
    dist.all_reduce(votes, op=dist.ReduceOp.MAX, group=cluster.control)
    return [bool(vote) for vote in votes]


def summed(cluster: Cluster, values: torch.Tensor) -> torch.Tensor:
    """`values` summed over all processes."""
    if cluster.world_size > 1:
        values = values.clone()
        dist.all_reduce(values)
    return values


class StopRequest:
    """Turns SIGTERM and SIGINT into a request to checkpoint and stop (a second SIGINT kills)."""

    def __init__(self) -> None:
        self.reason: str | None = None

    @contextmanager
    def installed(self):
        def handler(signum, _frame):
            if self.reason is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt
            self.reason = signal.Signals(signum).name

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield self
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def rng_state() -> dict[str, Any]:
    """The states of every random generator the run touches."""
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def machine(kind: str) -> str:
    """The hardware of device kind 'cuda' or 'cpu' in words, for logs and model cards."""
    if kind == "cuda":
        return f"{torch.cuda.device_count()} x {torch.cuda.get_device_name()}"
    return f"{platform.machine()} CPU, {os.cpu_count()} cores"


class JsonLog:
    """Appends one JSON object per line, stamped with the time, flushed at once."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115  (closed by close())

    def write(self, **record: Any) -> None:
        record = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            **record,
        }
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a run's log.jsonl."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def batch_figures(loss_sum: torch.Tensor, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(loss sum, correct top-1, positions) of a batch as float64, left on its device."""
    correct = (logits.argmax(1) == y).sum()
    return torch.stack([loss_sum.double(), correct.double(), correct.new_tensor(len(y)).double()])


def autocast(device: torch.device, settings: Settings):
    """bfloat16 autocast on the GPU when enabled; plain float32 otherwise."""
    if device.type == "cuda" and settings.bf16:
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def memory_format(device: torch.device, settings: Settings) -> torch.memory_format:
    """channels_last (NHWC, what tensor cores want) on the GPU when enabled."""
    if device.type == "cuda" and settings.channels_last:
        return torch.channels_last
    return torch.contiguous_format


def train_step(net, optimizer, scheduler, x, y, settings: Settings) -> torch.Tensor:
    """One optimizer step on batch (x, y); returns its `batch_figures` (no GPU synchronisation)."""
    with autocast(x.device, settings):
        logits = net(x.contiguous(memory_format=memory_format(x.device, settings))).float()
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    scheduler.step()
    return batch_figures(loss.detach() * len(y), logits.detach(), y)


@torch.inference_mode()
def validate(model, settings: Settings, cluster: Cluster, device: torch.device) -> dict[str, Any]:
    """Mean loss and top-1 accuracy on about `eval_positions` positions of the validation split,
    the same ones whatever the run's batch size and seed (nothing when the split is empty)."""
    if len(PositionDataset(settings.data, "validation")) == 0:
        return {}
    per_batch = min(EVAL_BATCH, -(-settings.eval_positions // cluster.world_size))
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
        device=device,
    )
    model.eval()
    totals = torch.zeros(3, dtype=torch.float64, device=device)
    for x, y in islice(batches, -(-settings.eval_positions // (per_batch * cluster.world_size))):
        with autocast(device, settings):
            logits = model(x.contiguous(memory_format=memory_format(device, settings))).float()
        totals += batch_figures(F.cross_entropy(logits, y, reduction="sum"), logits, y)
    model.train()
    loss, correct, count = summed(cluster, totals).tolist()
    return {
        "val_loss": loss / max(count, 1),
        "val_accuracy": correct / max(count, 1),
        "val_positions": int(count),
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


def set_up_device(settings: Settings) -> tuple[torch.device, Cluster]:
    """The device of this process (its own GPU under torchrun) and its place in the cluster."""
    kind = pick_device(settings.device)
    cluster = join_cluster(kind)
    if kind != "cuda":
        return torch.device(kind), cluster
    device = torch.device("cuda", cluster.local_rank)
    torch.cuda.set_device(device)
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    return device, cluster


def train(settings: Settings, resume: bool = False) -> dict[str, Any]:
    """Run (or continue) training until max_steps, max_minutes or a stop signal; return the
    final figures."""
    device, cluster = set_up_device(settings)
    if settings.batch_size % cluster.world_size:
        raise ValueError(
            f"batch size {settings.batch_size} does not split over {cluster.world_size} processes"
        )
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = out / CHECKPOINT
    if checkpoint_path.exists() and not resume:
        raise FileExistsError(
            f"{checkpoint_path} exists: continue it with --resume, or use another --out"
        )

    # The network, optimizer and schedule; from the checkpoint when resuming.
    torch.manual_seed(settings.seed)
    model = build(settings.k)  # He-initialised by its builder
    model = model.to(device, memory_format=memory_format(device, settings))
    optimizer = make_optimizer(model, settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, partial(lr_factor, settings=settings))
    step, elapsed_before = 0, 0.0
    if resume:
        state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, elapsed_before = state["step"], state["elapsed_seconds"]
        set_rng_state(state["rng"])
    net = model
    if cluster.world_size > 1:
        ids = [device.index] if device.type == "cuda" else None
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
    if settings.compile:
        net = torch.compile(net)

    # The data: this process's share of each batch, from the batch the checkpoint reached.
    batches = make_loader(
        settings.data,
        "train",
        settings.batch_size // cluster.world_size,
        augment=settings.augment,
        seed=settings.seed,
        rank=cluster.rank,
        world_size=cluster.world_size,
        start_batch=step,
        device=device,
    )
    log = JsonLog(out / LOG) if cluster.main else None
    hardware = machine(device.type)

    def write_checkpoint(figures: dict[str, Any]) -> None:
        if not cluster.main:
            return
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "step": step,
            "settings": asdict(settings),
            "elapsed_seconds": elapsed_before + time.monotonic() - started,
            "rng": rng_state(),
        }
        atomic_save(state, checkpoint_path)
        card = {
            "trained": True,
            "steps": step,
            "positions": step * settings.batch_size,
            "data": settings.data,
            "machine": hardware,
            "date": datetime.date.today().isoformat(),
            "settings": asdict(settings),
            **{CARD_NAMES[name]: value for name, value in figures.items() if name in CARD_NAMES},
        }
        save_weights(model, out / f"policy_k{settings.k}.pt", card)
        log.write(event="checkpoint", step=step)

    # The loop: one optimizer step per batch; figures are summed on the device and read (a
    # GPU synchronisation) only every log_every steps.
    started = last_checkpoint = last_log = time.monotonic()
    running = torch.zeros(3, dtype=torch.float64, device=device)
    figures: dict[str, Any] = {}
    stop = StopRequest()
    progress = tqdm(
        total=settings.max_steps, initial=step, disable=not cluster.main, unit="step", mininterval=1
    )
    if log:
        log.write(
            event="start",
            step=step,
            resume=resume,
            world_size=cluster.world_size,
            machine=hardware,
            settings=asdict(settings),
        )
    with stop.installed():
        while step < settings.max_steps:
            x, y = next(batches)
            running += train_step(net, optimizer, scheduler, x, y, settings)
            step += 1
            progress.update()

            if step % settings.log_every == 0 or step == settings.max_steps:
                loss_sum, correct, count = summed(cluster, running).tolist()
                now = time.monotonic()
                figures = {
                    "loss": loss_sum / count,
                    "accuracy": correct / count,
                    "lr": scheduler.get_last_lr()[0],
                    "positions_per_s": count / (now - last_log),
                }
                running.zero_()
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
                validation = validate(model, settings, cluster, device)
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
                write_checkpoint(figures)
                last_checkpoint = now
    progress.close()

    figures.update(validate(model, settings, cluster, device))
    write_checkpoint(figures)
    in_sync = replicas_identical(model, cluster)
    reason = stop.reason or ("max_steps" if step >= settings.max_steps else "max_minutes")
    if log:
        log.write(event="end", step=step, reason=reason, replicas_identical=in_sync, **figures)
        log.close()
    if cluster.world_size > 1:
        dist.destroy_process_group()
    return {"step": step, "reason": reason, "replicas_identical": in_sync, **figures}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field (default shown, not applied: unset flags keep the
    checkpoint's value on --resume), plus --resume."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for option in dataclasses.fields(Settings):
        flag = "--" + option.name.replace("_", "-")
        text = f"{option.metadata['help']} (default: {option.default})"
        if option.type == "bool":
            kind = {"action": argparse.BooleanOptionalAction}
        else:
            kind = {"type": FLAG_TYPES[option.type], "choices": option.metadata["choices"]}
        parser.add_argument(flag, default=argparse.SUPPRESS, help=text, **kind)
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its checkpoint"
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the checkpoint's when resuming, else the defaults; flags override."""
    given = {
        name: value for name, value in vars(args).items() if name in Settings.__dataclass_fields__
    }
    if not args.resume:
        return Settings(**given)
    checkpoint = Path(given.get("out", Settings.out)) / CHECKPOINT
    if not checkpoint.is_file():
        raise SystemExit(f"{checkpoint}: no checkpoint to resume (give the run's --out)")
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    return dataclasses.replace(Settings(**state["settings"]), **given)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    result = train(settings, resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(result))
    return 0
