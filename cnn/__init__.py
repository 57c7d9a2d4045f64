"""A CNN library: the lecture's arithmetic, every classic architecture as data, one registry.

- arithmetic: output sizes, parameter counts, padding, receptive fields as pure functions.
- layers: layer specifications, the plain data architectures are written in.
- network: layer specs -> a named `nn.Sequential` that knows its input size; widen, balance,
  fold batch norm.
- registry: `build(name, **options)` and `available()`.
- lenet, alexnet, vgg, googlenet, resnet, alphago: the architectures, in their papers' terms.
- summary: per-layer output volume, parameters and multiply-adds.
- receptive_fields: how much of the input each unit sees, layer by layer.
- fully_convolutional: fully connected layers as convolutions.
- filters: pictures of a trained network's first-layer filters and activation maps.
- digits: LeNet-5 on scikit-learn's digits, a short CPU training.
- optional: optional dependencies, or one line on how to install them.
- `__main__`: `python -m cnn list | summary NAME | receptive-field NAME | filters`.

>>> import cnn
>>> model = cnn.build("lenet5")
>>> print(cnn.summary(model).table())  # doctest: +NORMALIZE_WHITESPACE
lenet5: input 32x32x1
layer         type                      output        params        mult-adds
conv1         Conv2d                  28x28x6           156          117,600
pool1         MaxPool2d               14x14x6             0                0
conv2         Conv2d                 10x10x16         2,416          240,000
pool2         MaxPool2d                 5x5x16             0                0
conv3         Conv2d                 1x1x120        48,120           48,000
fc4           Linear                        84        10,164           10,080
fc5           Linear                        10           850              840
total                                               61,706          416,520
"""

from cnn import alexnet, alphago, googlenet, lenet, resnet, vgg
from cnn.fully_convolutional import fc_to_conv
from cnn.network import balance, fold_batch_norm, widen
from cnn.receptive_fields import ReceptiveFields, receptive_fields
from cnn.registry import available, build
from cnn.summary import Row, Summary, summary

__all__ = [
    "ReceptiveFields",
    "Row",
    "Summary",
    "alexnet",
    "alphago",
    "available",
    "balance",
    "build",
    "fc_to_conv",
    "fold_batch_norm",
    "googlenet",
    "lenet",
    "receptive_fields",
    "resnet",
    "summary",
    "vgg",
    "widen",
]
