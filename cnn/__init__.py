"""A CNN library: the lecture's arithmetic, every classic architecture as data, one registry.

>>> import cnn
>>> model = cnn.build("alexnet")
>>> print(cnn.summary(model).rows[0])
conv1        55x55x96       34,944     105,415,200
"""
