"""bug 11: a non-finite float adjoint (a seed of inf) is written with repr: `inf`, a NameError
in the code, so every call runs eagerly (correct, but never compiled)."""

import math

import autodiff as ad


def f(x):
    g = ad.gradients(x * 3.0, [x], grad=math.inf)[0]
    return x if g > 0 else -x


compiled = ad.compile(f)
print("compiled", compiled(2.0), "eager", compiled._eagerly((2.0,)))
program = compiled._programs[1][0]
print(program.source)
try:
    program.function(2.0)
except NameError as error:
    print("the code itself: NameError:", error)
