"""The lecture's CNN arithmetic as pure functions: output sizes, parameter counts, padding,
receptive fields.

Sizes are per spatial dimension (width and height are computed alike, by symmetry). Every
function checks that the numbers fit, and says why when they do not, instead of silently
rounding the way a framework would.

A layer's geometry is its window ``(F, S, P)``: output i of an FxF filter at stride S with
padding P sees input pixels ``i*S - P`` to ``i*S - P + F - 1``. Layers in a row compose into
one window over the network's input (``compose_windows``), whose F is the receptive field
and whose S is the jump: how many input pixels apart neighbouring outputs are.
"""

from __future__ import annotations

Window = tuple[int, int, int]  # (F, S, P): filter size, stride, padding


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")


def conv_output_size(
    n: int, f: int, stride: int = 1, pad: int = 0, rounding: str | None = None
) -> int:
    """Width (or height) of a convolution's output: ``(N - F + 2P) / S + 1``.

    Raises ValueError when the filter does not fit the padded input a whole number of times,
    the lecture's "stride 3 is not proper for N=7 and F=3". ``rounding="floor"`` (what a
    framework's convolution does: the last rows are lost) or ``"ceil"`` (a pool's ceil mode)
    accepts such layers on purpose; some published networks rely on it.

    >>> conv_output_size(7, 3, stride=1)
    5
    >>> conv_output_size(7, 3, stride=2)
    3
    >>> conv_output_size(7, 3, stride=1, pad=1)
    7
    >>> conv_output_size(32, 5, stride=1, pad=2)
    32
    >>> conv_output_size(227, 11, stride=4)
    55
    >>> conv_output_size(7, 3, 3, rounding="floor"), conv_output_size(7, 3, 3, rounding="ceil")
    (2, 3)
    >>> conv_output_size(7, 3, stride=3)
    Traceback (most recent call last):
    ...
    ValueError: 3x3 filter at stride 3, pad 0 does not fit 7x7: (7 - 3 + 2*0)/3 + 1 = 2.33
    """
    _check_positive(n=n, f=f, stride=stride)
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}")
    span = n - f + 2 * pad
    if span < 0:
        raise ValueError(
            f"a {f}x{f} filter with pad {pad} does not fit a {n}x{n} input: it is larger"
        )
    if rounding == "floor":
        return span // stride + 1
    if rounding == "ceil":
        return -(-span // stride) + 1
    if rounding is not None:
        raise ValueError(f"rounding must be None, 'floor' or 'ceil', got {rounding!r}")
    if span % stride:
        raise ValueError(
            f"{f}x{f} filter at stride {stride}, pad {pad} does not fit {n}x{n}: "
            f"({n} - {f} + 2*{pad})/{stride} + 1 = {span / stride + 1:.2f}"
        )
    return span // stride + 1


def conv_volume(
    width: int,
    height: int,
    filters: int,
    f: int,
    stride: int = 1,
    pad: int = 0,
    rounding: str | None = None,
) -> tuple[int, int, int]:
    """Output volume ``(W2, H2, K)`` of K FxF filters on a W1 x H1 input (any depth).

    >>> volume(*conv_volume(5, 5, filters=2, f=3, stride=2, pad=1))  # on 5x5x3: (5-3+2)/2+1
    '3x3x2'
    >>> volume(*conv_volume(32, 32, filters=10, f=5, pad=2)), conv_params(5, 3, 10)
    ('32x32x10', 760)
    >>> volume(*conv_volume(227, 227, filters=96, f=11, stride=4)), conv_params(11, 3, 96)
    ('55x55x96', 34944)
    """
    side = (conv_output_size(n, f, stride, pad, rounding) for n in (width, height))
    return (*side, filters)  # type: ignore[return-value]


def pool_output_size(n: int, f: int, stride: int, rounding: str | None = None) -> int:
    """Width (or height) of a pooling layer's output: ``(N - F) / S + 1`` (pools are not padded).

    >>> pool_output_size(55, 3, 2)
    27
    >>> pool_output_size(224, 2, 2)
    112
    >>> pool_output_size(4, 2, 2)
    2
    >>> pool_output_size(26, 3, 2)
    Traceback (most recent call last):
    ...
    ValueError: 3x3 filter at stride 2, pad 0 does not fit 26x26: (26 - 3 + 2*0)/2 + 1 = 12.50
    """
    return conv_output_size(n, f, stride, pad=0, rounding=rounding)


def conv_params(f: int, in_depth: int, filters: int, bias: bool = True) -> int:
    """Parameters of a convolution layer: ``F*F*D1`` weights per filter, times K, plus K biases.

    >>> conv_params(5, 3, 10)          # ten 5x5 filters on a 32x32x3 input
    760
    >>> conv_params(11, 3, 96)         # AlexNet CONV1, the lecture's "35K"
    34944
    >>> conv_params(1, 192, 1, bias=False)
    192
    """
    _check_positive(f=f, in_depth=in_depth, filters=filters)
    return f * f * in_depth * filters + (filters if bias else 0)


def fc_params(inputs: int, outputs: int, bias: bool = True) -> int:
    """Parameters of a fully connected layer: one weight per input per neuron, plus biases.

    >>> fc_params(6 * 6 * 256, 4096)   # AlexNet FC6
    37752832
    """
    _check_positive(inputs=inputs, outputs=outputs)
    return inputs * outputs + (outputs if bias else 0)


def same_padding(f: int) -> int:
    """Zero padding ``(F - 1)/2`` that keeps the spatial size at stride 1 (odd F only).

    >>> [same_padding(f) for f in (1, 3, 5, 7)]
    [0, 1, 2, 3]
    >>> same_padding(4)
    Traceback (most recent call last):
    ...
    ValueError: an even filter (4) has no symmetric 'same' padding: (4 - 1)/2 = 1.5
    """
    _check_positive(f=f)
    if f % 2 == 0:
        raise ValueError(
            f"an even filter ({f}) has no symmetric 'same' padding: ({f} - 1)/2 = {(f - 1) / 2}"
        )
    return (f - 1) // 2


def receptive_field(layers: int, f: int = 3) -> int:
    """Effective receptive field of ``layers`` stacked FxF convolutions at stride 1.

    Each extra layer sees F - 1 more pixels: three 3x3 convs see as far as one 7x7.

    >>> receptive_field(3, 3)
    7
    >>> receptive_field(2, 3)
    5
    >>> receptive_field(1, 5)
    5
    """
    _check_positive(layers=layers, f=f)
    return layers * (f - 1) + 1


def compose_windows(first: Window, then: Window) -> Window:
    """The one window over the input of ``first`` that sees what ``then`` sees through it:
    ``F = F1 + (F2 - 1) S1``, ``S = S1 S2``, ``P = P1 + P2 S1``.

    >>> compose_windows((3, 1, 1), (3, 1, 1))  # two 3x3 convs see 5x5
    (5, 1, 2)
    >>> compose_windows((5, 1, 2), (3, 1, 1))  # three see 7x7: one 7x7 conv with pad 3
    (7, 1, 3)
    >>> compose_windows((11, 4, 0), (3, 2, 0))  # AlexNet CONV1 then POOL1: 19x19, 8 apart
    (19, 8, 0)
    """
    (f1, s1, p1), (f2, s2, p2) = first, then
    return (f1 + (f2 - 1) * s1, s1 * s2, p1 + p2 * s1)


def side_by_side(*windows: Window) -> Window:
    """The window of branches that run on the same input and are joined point by point (an
    inception module's concatenation, a residual block's sum): all that any of them sees.

    >>> side_by_side((1, 1, 0), (3, 1, 1), (5, 1, 2), (3, 1, 1))  # inception: its 5x5 branch
    (5, 1, 2)
    >>> side_by_side((7, 2, 3), (1, 2, 0))  # a ResNet block at stride 2 and its shortcut
    (7, 2, 3)
    """
    strides = {s for _, s, _ in windows}
    if len(strides) != 1:
        raise ValueError(f"branches at different strides {sorted(strides)} cannot be joined")
    pad = max(p for _, _, p in windows)
    return (max(f - p for f, _, p in windows) + pad, strides.pop(), pad)


def sees_whole_input(window: Window, n: int, outputs: int) -> bool:
    """Whether each of ``outputs`` units with ``window`` over an input of ``n`` sees all of it.

    A point of the AlphaGo network (19x19, stride 1, "same" padding) needs a 2*19 - 1 = 37
    window to see the far corner from a corner; its layers 12 and 13 have 27.

    >>> sees_whole_input((27, 1, 13), 19, 19), sees_whole_input((37, 1, 18), 19, 19)
    (False, True)
    >>> sees_whole_input((32, 4, 0), 32, 1)  # LeNet-5's C5: one unit over the 32x32 digit
    True
    """
    f, s, p = window
    return f - 1 - p >= n - 1 and (outputs - 1) * s - p <= 0


def stacked_conv_weights(layers: int, f: int, channels: int) -> int:
    """Weights of ``layers`` stacked FxF convs with C channels in and out: ``layers * F^2 C^2``.

    The lecture's case for small filters: three 3x3 layers have 3*(3^2 C^2) = 27 C^2 weights,
    one 7x7 layer with the same receptive field has 7^2 C^2 = 49 C^2.

    >>> c = 64
    >>> stacked_conv_weights(3, 3, c), stacked_conv_weights(1, 7, c)
    (110592, 200704)
    >>> stacked_conv_weights(3, 3, c) / stacked_conv_weights(1, 7, c) == 27 / 49
    True
    """
    _check_positive(layers=layers, f=f, channels=channels)
    return layers * f * f * channels * channels


def volume(width: int, height: int, depth: int) -> str:
    """The lecture's ``W x H x D`` notation for an activation volume.

    >>> volume(55, 55, 96)
    '55x55x96'
    """
    return f"{width}x{height}x{depth}"
