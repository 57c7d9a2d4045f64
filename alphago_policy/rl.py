"""Reinforcement learning of the policy network by self-play: the paper's RL policy network.

    python -m alphago_policy rl train --start training/rl_k32/sl_start.pt --out runs/rl_k32
    python -m alphago_policy rl train --out runs/rl_k32 --resume --max-minutes 60
    python -m alphago_policy rl match runs/rl_k32/rl_k32.pt training/rl_k32/sl_start.pt

Each iteration the current network (the learner) plays `--games` games at once against one
opponent drawn at random from a pool of its earlier iterations (at first only the SL network it
started from), Black in half of them; both sides sample their moves at temperature 1 from
their sensible moves (`alphago_policy.selfplay`). Every move of the learner then gets the
REINFORCE update (Williams 1992, as in Silver et al. 2016): the gradient of its log-probability
times z = +1 for a won game, -1 for a lost one (less the iteration's mean z with `--baseline
mean`), summed over the moves and divided by the games, one SGD step per iteration. Every
`--pool-every` iterations the learner joins the pool. At the end (and every `--match-every`
iterations) it plays `--match-games` against its start; the figure goes on its model card.

A run lives in its `--out` directory: `checkpoint.pt` (alphago_policy.checkpoint: settings,
iteration, network, optimizer, the random generators' states, the pool, written atomically
every `--checkpoint-minutes`, at the end and on SIGINT/SIGTERM, after which the command exits
130/143), `rl_k{k}.pt` (the learner's weights and card, written with each checkpoint),
`pool/` (the pool's weights files, the start first) and `log.jsonl` (a line per iteration:
win rate against the pool, game length, loss, games/s). `--resume` continues exactly: an
iteration cut short is played again from the same random state, so a resumed run ends with the
very weights of an uninterrupted one.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import fcntl
import json
import math
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from alphago_policy import checkpoint as ckpt
from alphago_policy.cli import fail, positive_int
from alphago_policy.files import atomic_open
from alphago_policy.policy import (
    DEFAULT_WEIGHTS,
    WeightsError,
    load_policy,
    options,
    save_weights,
)
from alphago_policy.runlog import LOG, JsonLog, cut_log
from alphago_policy.runtime import (
    StopRequest,
    hardware,
    pick_device,
    rng_state,
    set_rng_state,
    uses_bf16,
)
from alphago_policy.selfplay import (
    KOMI,
    Interrupted,
    MatchResult,
    Precision,
    Record,
    masked_logits,
    network_input,
    play_games,
    play_match,
    set_engine_threads,
    unpack,
)
from alphago_policy.training_settings import (
    SettingsError,
    add_setting_flags,
    check_limits,
    setting,
)
from sgf_data.playouts import MAX_MOVES

POOL = "pool"
LOCK = "lock"
SIGNAL_EXIT = {"SIGINT": 130, "SIGTERM": 143}  # 128 + the signal's number, as shells say


@dataclass
class Settings:
    """Everything an RL run depends on; saved in its checkpoint, one flag per field."""

    start: str = setting(str(DEFAULT_WEIGHTS), "the SL network the run starts from")
    out: str = setting("runs/rl", "run directory: checkpoint, weights, pool, log")
    games: int = setting(128, "games per iteration (the paper's minibatch: 128)")
    lr: float = setting(0.001, "SGD learning rate (the paper's alpha)")
    momentum: float = setting(0.0, "SGD momentum")
    baseline: str = setting(
        "none", "subtracted from z: none (the paper's), or the iteration's mean z", ("none", "mean")
    )
    pool_every: int = setting(20, "iterations between the learner's joining the pool")
    iterations: int = setting(10_000, "stop after this many iterations in all")
    max_minutes: float = setting(0.0, "stop, checkpoint and exit after this wall time; 0: none")
    checkpoint_minutes: float = setting(5.0, "minutes between checkpoints")
    match_games: int = setting(200, "games against the start at the end (0: none)")
    match_every: int = setting(0, "iterations between matches against the start; 0: at the end")
    komi: float = setting(KOMI, "White's compensation, area scoring")
    max_moves: int = setting(MAX_MOVES, "plies after which a game stops and is counted as it is")
    update_batch: int = setting(1024, "positions per forward and backward pass of the update")
    seed: int = setting(0, "seed of the games and of the opponents' draw")
    device: str = setting("auto", "auto: cuda when available", ("auto", "cpu", "cuda"))
    threads: int = setting(0, "torch threads on the CPU; 0: torch's default")
    engine_threads: int = setting(0, "numba threads for the rules and planes; 0: all cores")
    bf16: bool = setting(True, "bfloat16 autocast on cuda, and on CPUs with bf16 instructions")
    channels_last: bool = setting(True, "NHWC memory layout wherever bf16 autocast runs")


LIMITS = {  # setting -> (smallest value, whether that value itself is allowed)
    "games": (2, True),
    "lr": (0, False),
    "momentum": (0, True),
    "pool_every": (1, True),
    "iterations": (1, True),
    "max_minutes": (0, True),
    "checkpoint_minutes": (0, False),
    "match_games": (0, True),
    "match_every": (0, True),
    "komi": (-math.inf, False),
    "max_moves": (1, True),
    "update_batch": (1, True),
    "threads": (0, True),
    "engine_threads": (0, True),
}


def check(settings: Settings) -> None:
    """Refuse settings that cannot run, naming the flag (SettingsError).

    >>> check(Settings(games=1))
    Traceback (most recent call last):
    ...
    alphago_policy.training_settings.SettingsError: --games 1: must be at least 2
    """
    check_limits(settings, LIMITS)
    if settings.games % 2:
        raise SettingsError(
            f"--games {settings.games}: must be even (the learner is Black in half)"
        )


def advantages(won: np.ndarray, baseline: str) -> np.ndarray:
    """Each game's z (+1 won, -1 lost, from the learner's side), less the baseline.

    >>> advantages(np.array([True, True, True, False]), "none").tolist()
    [1.0, 1.0, 1.0, -1.0]
    >>> advantages(np.array([True, True, True, False]), "mean").tolist()
    [0.5, 0.5, 0.5, -1.5]
    """
    z = np.where(won, 1.0, -1.0)
    return z - z.mean() if baseline == "mean" else z


def reinforce(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    record: Record,
    weights: np.ndarray,
    settings: Settings,
    precision: Precision,
) -> dict[str, float]:
    """One policy-gradient step: minimise -sum(w_game * log p(move)) / games over the
    learner's recorded moves (``weights``: each game's z less the baseline), in chunks of
    ``update_batch`` positions whose gradients add up. Returns the loss and mean log p."""
    device = next(model.parameters()).device
    packed, moves, games = record.arrays()
    weight = torch.from_numpy(weights[games]).float().to(device)
    target = torch.from_numpy(moves).to(device)
    optimizer.zero_grad(set_to_none=True)
    loss_sum = log_p_sum = 0.0
    for first in range(0, len(moves), settings.update_batch):
        part = slice(first, first + settings.update_batch)
        x = network_input(unpack(packed[part]), device, precision)
        log_p = torch.log_softmax(masked_logits(model, x, precision), 1)
        chosen = log_p.gather(1, target[part, None]).squeeze(1)
        loss = -(weight[part] * chosen).sum() / len(weights)
        loss.backward()
        loss_sum += loss.item()
        log_p_sum += chosen.detach().sum().item()
    optimizer.step()
    return {"loss": loss_sum, "mean_log_p": log_p_sum / max(1, len(moves))}


class Pool:
    """The learner's earlier selves, as weights files in RUN/pool/ (the start first); the
    opponent of an iteration is loaded from its file, so a resumed run plays the same one, and
    loading it leaves the random generators as they were (whether it was cached or not)."""

    def __init__(self, out: Path, members: list[str], device: torch.device) -> None:
        self.folder, self.members, self.device = out / POOL, list(members), device
        self.loaded: tuple[int, torch.nn.Module] | None = None

    def add(self, model: torch.nn.Module, iteration: int, card: dict[str, Any]) -> None:
        name = f"iteration_{iteration:06d}.pt"
        save_weights(model, self.folder / name, {**card, "pool_iteration": iteration})
        self.members.append(name)

    def opponent(self, index: int) -> torch.nn.Module:
        if self.loaded is None or self.loaded[0] != index:
            path = self.folder / self.members[index]
            with torch.random.fork_rng(devices=[]):  # building a network draws initial weights
                self.loaded = (index, load_policy(path, str(self.device)).model)
        return self.loaded[1]


@dataclass
class Progress:
    """Where a run stands: what the checkpoint holds beside the network and optimizer."""

    iteration: int = 0
    games: int = 0
    elapsed: float = 0.0
    match: dict[str, Any] | None = None  # the last match against the start


@contextmanager
def locked(out: Path):
    """Hold RUN/lock while the run goes on, so a second process cannot run in the same
    directory (the lock goes with the process, however it ends)."""
    with open(out / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SettingsError(
                f"{out}: another rl process is running in this directory; wait for it or stop it"
            ) from None
        yield


class Run:
    """An RL run: its network, optimizer, pool, log and the loop of iterations."""

    def __init__(self, settings: Settings, state: ckpt.Checkpoint | None) -> None:
        self.settings, self.out = settings, Path(settings.out)
        self.device = torch.device(pick_device(settings.device))
        self.precision = Precision(settings.bf16, settings.channels_last)
        start = load_policy(settings.start, str(self.device))
        self.model = start.model
        self.origin = {"weights": settings.start, "k": start.k, "card": start.card}
        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=settings.lr, momentum=settings.momentum
        )
        self.progress = Progress()
        self.pool = Pool(self.out, [], self.device)
        if state is None:
            self.pool.add(self.model, 0, start.card)
        else:
            self.model.load_state_dict(state.model)
            self.optimizer.load_state_dict(state.optimizer)
            for group in self.optimizer.param_groups:  # --lr and --momentum may be new
                group.update(lr=settings.lr, momentum=settings.momentum)
            self.progress = Progress(**state.data["progress"])
            self.pool.members = list(state.data["pool"])
            self.origin = state.origin
            set_rng_state(state.rng)
            cut_log(self.out / LOG, self.progress.iteration)
        self.log = JsonLog(self.out / LOG)
        self.started = self.began = time.monotonic()  # since the last save / in this process

    def elapsed(self) -> float:
        return self.progress.elapsed + time.monotonic() - self.started

    def card(self) -> dict[str, Any]:
        """The learner's model card: where it started, how much self-play, how it fares."""
        return {
            "trained": True,
            "reinforcement_learning": {
                "method": "self-play REINFORCE against a pool of earlier iterations",
                "iterations": self.progress.iteration,
                "games": self.progress.games,
                "win_rate_against_start": self.progress.match,
            },
            "initialised_from": self.origin,
            "machine": hardware(self.device.type),
            "precision": "bfloat16 autocast"
            if uses_bf16(self.device, self.precision)
            else "float32",
            "date": datetime.date.today().isoformat(),
            "train_seconds": round(self.elapsed()),
            "settings": asdict(self.settings),
        }

    def save(self, rng: dict[str, Any]) -> None:
        """Checkpoint (with the random states ``rng`` of the iteration boundary) and weights."""
        self.progress.elapsed = self.elapsed()
        self.started = time.monotonic()
        ckpt.Checkpoint(
            settings=asdict(self.settings),
            step=self.progress.iteration,
            elapsed_seconds=self.progress.elapsed,
            model=self.model.state_dict(),
            optimizer=self.optimizer.state_dict(),
            scheduler={},
            rng=rng,
            data={"progress": asdict(self.progress), "pool": list(self.pool.members)},
            origin=self.origin,
        ).save(self.out)
        k = options(self.model)["k"]
        save_weights(self.model, self.out / f"rl_k{k}.pt", self.card())
        self.log.write(event="checkpoint", step=self.progress.iteration)

    def iterate(self, stop: StopRequest) -> dict[str, Any]:
        """Play one iteration's games against a drawn opponent, update; return the log line."""
        settings = self.settings
        index = int(np.random.randint(len(self.pool.members)))
        colours = np.arange(settings.games) % 2 == self.progress.iteration % 2
        started = time.perf_counter()
        games = play_games(
            self.model,
            self.pool.opponent(index),
            colours,
            self.precision,
            settings.komi,
            settings.max_moves,
            record=True,
            stop=lambda: stop.reason is not None,
        )
        update_started = time.perf_counter()
        won = games.first_won
        figures = reinforce(
            self.model,
            self.optimizer,
            games.record,
            advantages(won, settings.baseline),
            settings,
            self.precision,
        )
        now = time.perf_counter()
        self.progress.iteration += 1
        self.progress.games += settings.games
        return {
            "step": self.progress.iteration,
            "games": self.progress.games,
            "opponent": self.pool.members[index],
            "win_rate": float(won.mean()),
            "mean_plies": float(games.plies.mean()),
            "capped": int(games.capped.sum()),
            **figures,
            "play_s": round(update_started - started, 2),
            "update_s": round(now - update_started, 2),
            "games_per_s": round(settings.games / (now - started), 3),
            "moves_per_s": round(games.positions / (now - started), 1),
        }

    def match(self) -> dict[str, Any]:
        """The learner against its start (both sampling): its wins with a Wilson interval."""
        result: MatchResult = play_match(
            self.model,
            self.pool.opponent(0),
            self.settings.match_games,
            self.settings.games,
            self.precision,
            self.settings.komi,
            self.settings.max_moves,
        )
        self.progress.match = {"iteration": self.progress.iteration, **result.summary()}
        self.log.write(event="match", step=self.progress.iteration, **self.progress.match)
        return self.progress.match

    def loop(self) -> tuple[str, dict[str, Any]]:
        """Iterate until the iterations or minutes run out or a stop is asked; return why, and
        the random states of the last iteration boundary (what a checkpoint must hold)."""
        settings = self.settings
        stop = StopRequest()
        last_checkpoint = time.monotonic()
        bar = tqdm(total=settings.iterations, initial=self.progress.iteration, unit="iteration")
        with stop.installed():
            while self.progress.iteration < settings.iterations:
                boundary = rng_state()
                try:
                    figures = self.iterate(stop)
                except Interrupted:
                    return stop.reason, boundary
                self.log.write(event="iteration", **figures)
                bar.update()
                bar.set_postfix(win=f"{figures['win_rate']:.2f}", games_s=figures["games_per_s"])
                self.after_iteration()
                minutes = (time.monotonic() - self.began) / 60
                if stop.reason or (settings.max_minutes and minutes >= settings.max_minutes):
                    break
                if time.monotonic() - last_checkpoint >= 60 * settings.checkpoint_minutes:
                    self.save(rng_state())
                    last_checkpoint = time.monotonic()
        bar.close()
        done = self.progress.iteration >= settings.iterations
        return stop.reason or ("iterations" if done else "max_minutes"), rng_state()

    def after_iteration(self) -> None:
        """The learner joins the pool every --pool-every iterations, and plays its start every
        --match-every."""
        iteration, settings = self.progress.iteration, self.settings
        if iteration % settings.pool_every == 0:
            self.pool.add(self.model, iteration, self.card())
        if settings.match_every and settings.match_games and iteration % settings.match_every == 0:
            self.match()


def rl_train(settings: Settings, resume: bool = False) -> dict[str, Any]:
    """Run (or continue) RL until its iterations or minutes run out or a stop signal; return
    the final figures (``reason``: why it stopped). Raises SettingsError, CheckpointError."""
    check(settings)
    out = Path(settings.out)
    if ckpt.path_of(out).exists() and not resume:
        raise SettingsError(
            f"{ckpt.path_of(out)} exists: continue it with --resume, or use another --out"
        )
    state = ckpt.load(out) if resume else None
    try:
        load_policy(settings.start)
    except WeightsError as error:
        raise SettingsError(f"--start {error}") from error
    engine_threads = set_engine_threads(settings.engine_threads)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    np.random.seed(settings.seed)
    out.mkdir(parents=True, exist_ok=True)
    with locked(out):
        run = Run(settings, state)
        run.log.write(
            event="start",
            step=run.progress.iteration,
            resume=resume,
            machine=hardware(run.device.type),
            threads=torch.get_num_threads(),
            engine_threads=engine_threads,
            settings=asdict(settings),
        )
        reason, boundary = run.loop()
        run.save(boundary)
        if reason not in SIGNAL_EXIT and settings.match_games:
            run.match()  # its games draw no number the next iteration would
            run.save(boundary)
        run.log.write(event="end", step=run.progress.iteration, reason=reason)
        run.log.close()
    return {"reason": reason, **asdict(run.progress)}


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the checkpoint's when resuming, else the defaults; flags override
    (but not the start)."""
    given = {
        name: value for name, value in vars(args).items() if name in Settings.__dataclass_fields__
    }
    if not args.resume:
        return Settings(**given)
    out = given.get("out", Settings.out)
    recorded = ckpt.load(out).settings
    if "start" in given and given["start"] != recorded["start"]:
        raise SettingsError(
            f"--start {given['start']}: the run in {out} started from {recorded['start']}, "
            "which a resumed run keeps; drop the flag, or start a new run with another --out"
        )
    return dataclasses.replace(Settings(**recorded), **given)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field, plus --resume."""
    add_setting_flags(parser, Settings)


def add_match_arguments(parser: argparse.ArgumentParser) -> None:
    """The two weights files and how to play them."""
    parser.add_argument("first", metavar="A.pt", help="weights file of the side whose wins count")
    parser.add_argument("second", metavar="B.pt", help="weights file of its opponent")
    parser.add_argument("--games", type=positive_int, default=400, help="games (default: 400)")
    parser.add_argument(
        "--batch", type=positive_int, default=128, help="games played at once (default: 128)"
    )
    parser.add_argument("--komi", type=float, default=KOMI, help=f"(default: {KOMI})")
    parser.add_argument(
        "--max-moves",
        type=positive_int,
        default=MAX_MOVES,
        help=f"plies after which a game stops and is counted as it is (default: {MAX_MOVES})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the moves' sampling")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--threads", type=int, default=0, help="torch threads; 0: default")
    parser.add_argument("--engine-threads", type=int, default=0, help="numba threads; 0: all")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", help="float32 only")
    parser.add_argument("--out", help="also write the figures as JSON to this file")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = actions.add_parser("train", help="run or resume self-play RL (see `train --help`)")
    add_train_arguments(train)
    match = actions.add_parser("match", help="a match between two weights files, both sampling")
    add_match_arguments(match)


def match(args: argparse.Namespace) -> dict[str, Any]:
    """Play the match the arguments describe; return its figures (WeightsError if a file is
    not a policy network)."""
    device = pick_device(args.device)
    first, second = (load_policy(path, device) for path in (args.first, args.second))
    set_engine_threads(args.engine_threads)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with tqdm(total=args.games, unit="game") as bar:
        result = play_match(
            first.model,
            second.model,
            args.games,
            args.batch,
            Precision(bf16=args.bf16),
            args.komi,
            args.max_moves,
            progress=bar,
        )
    figures = {"first": args.first, "second": args.second, "komi": args.komi, **result.summary()}
    if args.out:
        with atomic_open(args.out, "w") as f:
            f.write(json.dumps(figures) + "\n")
    return figures


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "match":
            print(json.dumps(match(args)))
            return 0
        result = rl_train(settings_from(args), resume=args.resume)
    except (SettingsError, ckpt.CheckpointError, WeightsError) as error:
        return fail(error)
    print(json.dumps(result))
    return SIGNAL_EXIT.get(result["reason"], 0)
