"""Helpers for the CNN tests: big networks are built on the meta device (no memory, no time)."""

import pytest
import torch

import cnn


def meta_build(name: str, **options: object) -> torch.nn.Module:
    with torch.device("meta"):
        return cnn.build(name, **options)


def trainable(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.fixture
def params():
    """params(name, **options): trainable parameters of a registered architecture."""
    return lambda name, **options: trainable(meta_build(name, **options))


@pytest.fixture
def meta_forward():
    """meta_forward(name, **options): output shape of a batch of 2 through the meta model."""

    def forward(name: str, **options: object) -> tuple[int, ...]:
        model = meta_build(name, **options).eval()
        return tuple(model(torch.zeros(2, *model.input_size, device="meta")).shape)

    return forward


@pytest.fixture
def meta_model():
    """meta_model(name, **options): the registered architecture built on the meta device."""
    return meta_build
