"""metrics: training's batch figures and evaluate's tally are one arithmetic."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from alphago_policy.metrics import Tally, batch_figures, mean_figures


def test_batch_figures_and_the_tally_agree_on_loss_and_top1():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(40, 361, generator=generator)
    labels = torch.randint(0, 361, (40,), generator=generator)
    labels[:10] = logits[:10].argmax(1)  # some hits
    sums = batch_figures(F.cross_entropy(logits, labels, reduction="sum"), logits, labels)
    means = mean_figures(sums)
    tally = Tally()
    tally.add(logits, labels, np.arange(1, 41))
    overall = tally.rows()[-1]
    assert means["positions"] == overall["positions"] == 40
    assert means["accuracy"] == overall["top1"] >= 0.25
    assert means["loss"] == pytest.approx(overall["nll"])
