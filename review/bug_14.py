"""bug 14: a 0-d NumPy array (np.array(2.0)) is taken for an array and iterated:
TypeError: 'float' object is not iterable, an internal error rather than a number or a
named refusal."""

import numpy as np

import autodiff as ad

compiled = ad.compile(lambda x: x * 2)
try:
    print("compiled", compiled(np.array(2.0)))
except TypeError as error:
    print("compiled: TypeError:", error)
print("a NumPy scalar works:", compiled(np.float64(2.0)))
