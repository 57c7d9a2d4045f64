"""Which positions make a run's loss jump? Replays a run's batches from one of its checkpoints.

    python training/spikes.py RUN_DIR [--steps 400] [--threshold 20] [--threads 2]

A run's batches are deterministic (streamed game records or prepared shards, read by the
trainer's own alphago_policy.training_data), so the batches after a checkpoint are exactly the
ones the run trained on after it. Each batch goes through the checkpoint's network
(without training it: the weights of the run drift a little over a few hundred steps) in
float32 and in bf16 autocast, and every position whose loss passes `--threshold` in either is
listed with its step, its place in the batch, the logits of the expert move and the smallest
one, the stones on the board and the layer whose activations grew the most against the batch's
ordinary positions. An old checkpoint of a committed run comes out of git:

    mkdir -p runs/at43862 && git show 20f5c35:training/cpu_k64/checkpoint.pt \
        > runs/at43862/checkpoint.pt
    python training/spikes.py runs/at43862 --steps 400
"""

from __future__ import annotations

import argparse
import sys

import torch

from alphago_policy.checkpoint import CheckpointError
from alphago_policy.cli import add_threads, fail, positive_int
from alphago_policy.policy import build
from alphago_policy.run_dir import RunDir
from alphago_policy.runtime import Cluster
from alphago_policy.training_data import open_data
from alphago_policy.training_settings import SettingsError, settings_from
from sgf_data.features import PLANE_GROUPS

OWN = PLANE_GROUPS["stone_colour"].start
STONES = slice(OWN, OWN + 2)  # the player's stones, the opponent's (the third plane: empty)


def forward(model: torch.nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """The logits, and the RMS of each ReLU's output per position (layer -> (B,))."""
    rms = {}
    for name, module in model.named_children():
        x = module(x)
        if name.endswith("_act"):
            rms[name.removesuffix("_act")] = x.pow(2).mean(dim=(1, 2, 3)).sqrt()
    return x, rms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a run directory: its checkpoint.pt is read")
    parser.add_argument("--steps", type=positive_int, default=400, help="batches to replay")
    parser.add_argument("--threshold", type=float, default=20.0, help="loss (nats) to list")
    add_threads(parser, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        state = RunDir(args.run).checkpoint()
        settings = settings_from(argparse.Namespace(out=args.run, resume=True))
        data = open_data(settings, Cluster(), torch.device("cpu"))  # the run's own batches
    except (CheckpointError, SettingsError) as error:
        return fail(str(error))
    model = build(settings.k, batch_norm=settings.batch_norm)
    model.load_state_dict(state.model)
    model.eval()
    batches = data.batches(state.step, state.data.get("position"))
    print("step | position | loss f32 | loss bf16 | expert logit | lowest logit | stones | "
          "layer: RMS against the batch's median")  # fmt: skip
    found, step = 0, state.step
    try:
        with torch.inference_mode():
            for step in range(state.step + 1, state.step + 1 + args.steps):
                x, y = next(batches)
                logits, rms = forward(model, x)
                with torch.autocast("cpu", torch.bfloat16):
                    low = model(x.contiguous(memory_format=torch.channels_last)).float()
                loss = torch.nn.functional.cross_entropy(logits, y, reduction="none")
                loss_bf16 = torch.nn.functional.cross_entropy(low, y, reduction="none")
                flagged = torch.nonzero(torch.maximum(loss, loss_bf16) > args.threshold)
                for i in flagged.flatten().tolist():
                    growth = {n: float(r[i] / r.median()) for n, r in rms.items()}
                    layer = max(growth, key=growth.get)
                    print(
                        f"{step} | {i} | {loss[i]:.1f} | {loss_bf16[i]:.1f} | "
                        f"{logits[i, y[i]]:.1f} | {logits[i].min():.0f} | "
                        f"{int(x[i, STONES].sum())} | "
                        f"{layer}: {growth[layer]:.0f}x",
                        flush=True,
                    )
                    found += 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    finally:
        data.close()
    print(f"{found} positions over {args.threshold:g} nats in the batches of steps "
          f"{state.step + 1} to {step}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
