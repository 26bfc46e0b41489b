"""bug 01: a result that is a list or tuple of ONE number crashes every call.

compile(f) where f returns [y] (or (y,), or ad.gradients(out, [x])) raises
TypeError: 'float' object is not iterable, at the first call and at every call after.
"""

import autodiff as ad


def f(x):
    return ad.gradients(x * x, [x])  # a list of one gradient


compiled = ad.compile(f)
try:
    print("compiled:", compiled(3.0))
except TypeError as error:
    print("compiled: TypeError:", error)
print("eager:   ", compiled._eagerly((3.0,)))
