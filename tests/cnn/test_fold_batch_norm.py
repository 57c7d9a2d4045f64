"""Batch norm folded into the convolutions: the same function, the plain architecture."""

import torch

import cnn
from cnn.layers import FC, Conv, Pool
from cnn.network import network


def trained_a_little(model: torch.nn.Module) -> torch.nn.Module:
    """Give the batch norms statistics and affine parameters away from their defaults."""
    generator = torch.Generator().manual_seed(1)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(8, *model.input_size, generator=generator))
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.2, 0.2, generator=generator)
    return model.eval()


def test_the_folded_policy_network_is_the_papers_architecture_with_the_same_outputs():
    torch.manual_seed(0)
    trained = trained_a_little(cnn.build("alphago_policy", k=8, layers=4, batch_norm=True))
    folded = cnn.fold_batch_norm(trained)
    plain = cnn.build("alphago_policy", k=8, layers=4)
    assert folded.state_dict().keys() == plain.state_dict().keys()
    plain.load_state_dict(folded.state_dict())
    x = torch.rand(5, 48, 19, 19)
    with torch.no_grad():
        torch.testing.assert_close(plain.eval()(x), trained(x), rtol=1e-5, atol=1e-5)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())


def test_only_hidden_convs_get_a_batch_norm_and_the_original_is_left_alone():
    model = cnn.build("alphago_policy", k=4, layers=3, batch_norm=True)
    assert [n for n, m in model.named_children() if isinstance(m, torch.nn.BatchNorm2d)] == [
        "conv1_bn",
        "conv2_bn",
    ]
    trained_a_little(model)
    before = {name: t.clone() for name, t in model.state_dict().items()}
    cnn.fold_batch_norm(model)
    assert all(torch.equal(before[name], t) for name, t in model.state_dict().items())


def test_a_vgg_style_stack_with_batch_norm_folds_too():
    torch.manual_seed(0)
    specs = (Conv(4, 3, pad=1), Pool(2, 2), Conv(6, 3, pad=1), FC(3, activation=False))
    trained = trained_a_little(network(specs, (3, 8, 8), batch_norm=True))
    x = torch.rand(2, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(cnn.fold_batch_norm(trained)(x), trained(x))
