"""LeNet-5 on scikit-learn's handwritten digits: the data set and a short training on the CPU.

The 1,797 8x8 digit images are scaled up to 28x28 and centred in a 32x32 frame, the way the
LeNet paper framed MNIST's 28x28 digits in its 32x32 input; a fixed seed splits them 75/25
into train and test sets, standardised with the training set's statistics. Used by
``examples/lenet_digits.py`` and ``python -m cnn filters``; needs scikit-learn (the
``examples`` extra).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from cnn.optional import require
from cnn.registry import build


@dataclass(frozen=True)
class Result:
    """The trained network, its accuracy on the held-out digits and the seconds training took."""

    accuracy: float
    seconds: float
    epochs: int
    train_size: int
    test_size: int
    model: torch.nn.Module = field(repr=False, compare=False)


def digits(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The digits as (N, 1, 32, 32) images and labels, train then test, standardised with the
    training set's mean and standard deviation."""
    datasets = require("sklearn.datasets", "scikit-learn", "examples")
    selection = require("sklearn.model_selection", "scikit-learn", "examples")
    data = datasets.load_digits()
    images = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    images = F.pad(F.interpolate(images, size=(28, 28), mode="bilinear"), (2, 2, 2, 2))
    labels = torch.tensor(data.target)
    x_train, x_test, y_train, y_test = selection.train_test_split(
        images, labels, test_size=0.25, random_state=seed, stratify=labels
    )
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` the model labels correctly."""
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train(
    epochs: int = 20,
    arch: str = "lenet5",
    seed: int = 0,
    batch_size: int = 16,
    lr: float = 2e-3,
    threads: int = 1,
) -> Result:
    """Train ``arch`` (a registry name) with Adam and a cosine schedule; test its accuracy.

    One thread by default: the network is so small that a second one costs more in
    synchronisation than it saves (and much more on a busy machine).
    """
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        x_train, y_train, x_test, y_test = digits(seed)
        model = build(arch, num_classes=10)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        steps = epochs * -(-len(x_train) // batch_size)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        start = time.perf_counter()
        for _ in range(epochs):
            model.train()
            for batch in torch.randperm(len(x_train)).split(batch_size):
                optimizer.zero_grad()
                F.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
                schedule.step()
        seconds = time.perf_counter() - start
        return Result(
            accuracy(model, x_test, y_test), seconds, epochs, len(x_train), len(x_test), model
        )
    finally:
        torch.set_num_threads(previous_threads)
