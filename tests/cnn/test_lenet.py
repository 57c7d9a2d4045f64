"""LeNet-5: the common variant and the paper's network, layer by layer."""

import torch

import cnn
from cnn.lenet import C3_TABLE, ScaledTanh, TableConv2d


def layer_params(model: torch.nn.Module) -> dict[str, int]:
    counts = {
        name: sum(p.numel() for p in unit.parameters()) for name, unit in model.named_children()
    }
    return {name: n for name, n in counts.items() if n}


def test_common_variant_breakdown():
    assert layer_params(cnn.build("lenet5")) == {
        "conv1": 156,
        "conv2": 2_416,
        "conv3": 48_120,
        "fc4": 10_164,
        "fc5": 850,
    }


def test_paper_breakdown_is_its_60000_trainable_parameters():
    model = cnn.build("lenet5_paper")
    assert layer_params(model) == {
        "c1": 156,
        "s2": 12,
        "c3": 1_516,
        "s4": 32,
        "c5": 48_120,
        "f6": 10_164,
    }
    assert sum(layer_params(model).values()) == 60_000
    # The RBF prototypes are fixed: a buffer, not a parameter.
    prototypes = model.output.prototypes
    assert prototypes.shape == (10, 84) and not prototypes.requires_grad
    assert set(prototypes.unique().tolist()) == {-1.0, 1.0}


def test_c3_table_is_the_papers():
    assert len(C3_TABLE) == 16
    assert [len(row) for row in C3_TABLE] == [3] * 6 + [4] * 9 + [6]
    assert sum(len(row) for row in C3_TABLE) * 25 + 16 == 1_516


def test_c3_maps_see_only_their_table_inputs():
    torch.manual_seed(0)
    conv = TableConv2d(C3_TABLE, 5)
    x = torch.randn(1, 6, 14, 14, requires_grad=True)
    for out_map, inputs in enumerate(C3_TABLE):
        (grad,) = torch.autograd.grad(conv(x)[0, out_map].sum(), x)
        touched = {i for i in range(6) if grad[0, i].abs().sum() > 0}
        assert touched == set(inputs), out_map


def test_paper_squashing_function():
    assert torch.allclose(ScaledTanh()(torch.tensor([1.5])), torch.tensor([1.7159 * 0.76159416]))


def test_rbf_output_prefers_the_nearest_prototype():
    model = cnn.build("lenet5_paper")
    rbf = model.output
    scores = rbf(rbf.prototypes[3:4])
    assert scores.argmax().item() == 3
    assert scores[0, 3].item() == 0.0
