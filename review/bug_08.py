"""bug 08: static arguments that are equal but not the same share one trace (0.0 and -0.0,
(1, 2) and (1.0, 2.0)); a NaN never finds its trace (a new one at every call, kept forever)."""

import math
import warnings

import autodiff as ad
from autodiff import Value


def signed(x, zero):
    return x * math.copysign(1.0, zero)


compiled = ad.compile(signed, static_argnums=(1,))
compiled(2.0, 0.0)
print("-0.0: compiled", compiled(2.0, -0.0), "eager", signed(Value(2.0), -0.0).data)


def shaped(x, shape):
    return x * 2 if isinstance(shape[0], int) else x * 3


compiled = ad.compile(shaped, static_argnums=(1,))
compiled(2.0, (1, 2))
print(
    "(1.0, 2.0): compiled", compiled(2.0, (1.0, 2.0)), "eager", shaped(Value(2.0), (1.0, 2.0)).data
)

compiled = ad.compile(lambda x, n: x * n, static_argnums=(1,))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _ in range(20):
        compiled(1.0, float("nan"))
print("20 calls with a NaN static: traces", compiled.traces, "cache keys", len(compiled._programs))
