"""One registry: every architecture by name, with the parameter count its reference gives."""

import pytest
import torch

import cnn
from cnn.registry import entry, register

# Parameter counts from the papers and their standard implementations (see each module).
EXPECTED_PARAMS = {
    "lenet5": 61_706,
    "lenet5_paper": 60_000,
    "alexnet": 62_378_344,
    "zfnet": 107_627_624,
    "vgg11": 132_863_336,
    "vgg11_lrn": 132_863_336,
    "vgg13": 133_047_848,
    "vgg16c": 133_638_952,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "googlenet": 6_998_552,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "cifar_resnet20": 269_722,
    "cifar_resnet32": 464_154,
    "cifar_resnet44": 658_586,
    "cifar_resnet56": 853_018,
    "cifar_resnet110": 1_727_962,
    "alphago_policy": 3_882_793,
}
CLASSES = {name: 10 if name.startswith(("lenet", "cifar")) else 1000 for name in EXPECTED_PARAMS}
CLASSES["alphago_policy"] = 361


def test_every_architecture_is_registered():
    assert cnn.available() == sorted(EXPECTED_PARAMS)


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_parameter_count(name, params):
    assert params(name) == EXPECTED_PARAMS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_forward_shape_on_meta(name, meta_forward):
    assert meta_forward(name) == (2, CLASSES[name])


@pytest.mark.parametrize("name", ["lenet5", "lenet5_paper", "cifar_resnet20", "alphago_policy"])
def test_small_networks_run_for_real(name):
    torch.manual_seed(0)
    model = cnn.build(name).eval()
    out = model(torch.randn(1, *model.input_size))
    assert out.shape == (1, CLASSES[name])
    assert torch.isfinite(out).all()


def test_num_classes_option(meta_forward):
    assert meta_forward("resnet18", num_classes=7) == (2, 7)
    assert meta_forward("vgg11", num_classes=3) == (2, 3)


def test_build_records_the_name():
    assert cnn.build("lenet5").arch == "lenet5"


def test_unknown_name_suggests_close_ones():
    with pytest.raises(KeyError, match="Did you mean resnet50"):
        cnn.build("resnet05")


def test_unknown_option_lists_the_options():
    with pytest.raises(TypeError, match=r"does not take option\(s\) depth.*num_classes=1000"):
        cnn.build("alexnet", depth=3)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("alphago_policy", {"k": 0}),
        ("alphago_policy", {"layers": -5}),
        ("lenet5", {"num_classes": 0}),
        ("resnet18", {"num_classes": 2.5}),
        ("vgg11", {"num_classes": True}),
    ],
)
def test_a_count_option_must_be_a_whole_number_of_at_least_one(name, options):
    """A network with no filters or no classes is refused as it is asked for, not built."""
    (option,) = options
    with pytest.raises(ValueError, match=f"{name}: {option} must be a whole number of at least 1"):
        cnn.build(name, **options)


def test_options_are_read_from_the_builder():
    assert entry("alphago_policy").options() == {
        "k": 192,
        "layers": 13,
        "planes": 48,
        "board_size": 19,
        "batch_norm": False,
    }


def test_names_are_unique_and_builders_documented():
    with pytest.raises(ValueError, match="already registered"):
        register("alexnet")(lambda: None)
    with pytest.raises(ValueError, match="docstring"):
        register("undocumented")(lambda: None)
