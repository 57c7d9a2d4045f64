"""What a training or evaluation process runs on: the device, the processes of a torchrun
cluster, stop requests, the random generators and the hardware in words.

Shared by `train`, `evaluate` and `ship`, so none of them imports another's command.
"""

from __future__ import annotations

import gc
import os
import platform
import random
import signal
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
import torch.distributed as dist


def pick_device(name: str) -> str:
    """'cuda' or 'cpu': `auto` takes the GPU when there is one."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


@cache
def cpu_flags() -> frozenset[str]:
    """The processor's feature flags (from /proc/cpuinfo on Linux; empty elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return frozenset()
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux, else what platform knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_has_bf16() -> bool:
    """Whether the CPU computes in bfloat16 natively (AVX512-BF16 or AMX), where bf16
    autocast trains the policy network 2 to 3 times faster than float32; elsewhere it is
    emulated and slower, so training stays in float32."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def hardware(kind: str) -> str:
    """The hardware of device kind 'cuda' or 'cpu' in words, for logs and model cards."""
    if kind == "cuda":
        return f"{torch.cuda.device_count()} x {torch.cuda.get_device_name()}"
    return f"{platform.machine()} CPU, {os.cpu_count()} cores"


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


def leave_cluster(cluster: Cluster) -> None:
    """Leave the process group together: a barrier first, so no process tears its sockets
    down while another still talks to it."""
    if cluster.world_size > 1:
        gc.collect()  # what a reference cycle still holds of the group (DDP's reducer) goes first
        dist.barrier()
        dist.destroy_process_group()


def set_up_device(device: str) -> tuple[torch.device, Cluster]:
    """The device of this process (its own GPU under torchrun) and its place in the cluster."""
    kind = pick_device(device)
    cluster = join_cluster(kind)
    if kind != "cuda":
        return torch.device(kind), cluster
    gpu = torch.device("cuda", cluster.local_rank)
    torch.cuda.set_device(gpu)
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    return gpu, cluster


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
    """Restore what `rng_state` recorded."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class Precision(Protocol):
    """How a network computes: train's Settings and self-play's settings both say it."""

    bf16: bool  # bfloat16 autocast where the device computes it natively
    channels_last: bool  # the NHWC layout with it


def uses_bf16(device: torch.device, settings: Precision) -> bool:
    """Whether the network runs in bfloat16 autocast: on the GPU when enabled, on the CPU when
    enabled and the processor has bf16 instructions."""
    return settings.bf16 and (device.type == "cuda" or cpu_has_bf16())


def autocast(device: torch.device, settings: Precision):
    """bfloat16 autocast where `uses_bf16`; plain float32 otherwise."""
    if uses_bf16(device, settings):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()


def memory_format(device: torch.device, settings: Precision) -> torch.memory_format:
    """channels_last (NHWC, what tensor cores and oneDNN's bf16 kernels want) with bf16."""
    if uses_bf16(device, settings) and settings.channels_last:
        return torch.channels_last
    return torch.contiguous_format
