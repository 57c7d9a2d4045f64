"""The lecture's arithmetic, on the lecture's own examples."""

import pytest

from cnn.arithmetic import (
    conv_output_size,
    conv_params,
    fc_params,
    pool_output_size,
    receptive_field,
    same_padding,
    stacked_conv_weights,
)


@pytest.mark.parametrize(("stride", "expected"), [(1, 5), (2, 3)])
def test_seven_by_seven_input_three_by_three_filter(stride, expected):
    assert conv_output_size(7, 3, stride) == expected


def test_stride_three_does_not_fit():
    with pytest.raises(ValueError, match=r"does not fit 7x7: .* = 2\.33"):
        conv_output_size(7, 3, stride=3)


def test_rounding_is_explicit():
    assert conv_output_size(7, 3, 3, rounding="floor") == 2
    assert conv_output_size(7, 3, 3, rounding="ceil") == 3
    with pytest.raises(ValueError, match="rounding"):
        conv_output_size(7, 3, 3, rounding="nearest")


def test_filter_larger_than_input_is_refused():
    with pytest.raises(ValueError, match="larger"):
        conv_output_size(3, 5)


@pytest.mark.parametrize("bad", [{"n": 0, "f": 3}, {"n": 7, "f": 0}, {"n": 7, "f": 3, "stride": 0}])
def test_non_positive_sizes_are_refused(bad):
    with pytest.raises(ValueError, match="positive"):
        conv_output_size(**bad)


def test_negative_padding_is_refused():
    with pytest.raises(ValueError, match="pad"):
        conv_output_size(7, 3, pad=-1)


def test_zero_padding_one_keeps_seven_by_seven():
    assert conv_output_size(7, 3, 1, pad=1) == 7


def test_five_by_five_input_two_filters_stride_two_pad_one():
    assert conv_output_size(5, 3, 2, 1) == 3


def test_ten_five_by_five_filters_on_32x32x3():
    assert conv_output_size(32, 5, 1, 2) == 32
    assert conv_params(5, 3, 10) == 760


def test_alexnet_conv1_and_pool1():
    assert conv_output_size(227, 11, 4) == 55
    assert conv_params(11, 3, 96) == 34_944
    assert pool_output_size(55, 3, 2) == 27


def test_pool_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        pool_output_size(6, 3, 2)


def test_fc_params():
    assert fc_params(4096, 1000) == 4_097_000
    assert fc_params(84, 10, bias=False) == 840


@pytest.mark.parametrize(("f", "pad"), [(3, 1), (5, 2), (7, 3)])
def test_same_padding(f, pad):
    assert same_padding(f) == pad
    assert conv_output_size(32, f, 1, pad) == 32


def test_even_filter_has_no_same_padding():
    with pytest.raises(ValueError, match="even"):
        same_padding(2)


def test_three_3x3_convs_see_like_one_7x7_with_fewer_weights():
    assert receptive_field(3, 3) == 7
    for channels in (1, 64, 512):
        assert stacked_conv_weights(3, 3, channels) == 3 * (3**2 * channels**2)
        assert stacked_conv_weights(1, 7, channels) == 7**2 * channels**2
        assert stacked_conv_weights(3, 3, channels) < stacked_conv_weights(1, 7, channels)
