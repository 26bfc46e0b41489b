"""bug 04: with gradients built as graphs, propagate's shortcut `g * 0.0 -> 0.0 where g is
finite` is decided at the trace: NaN becomes 0.0, and the changed graph sums in another order
(a result 1 ulp off).
"""

import math

import autodiff as ad


def f(x, y):
    (g,) = ad.gradients(x**0 * y, [x], create_graph=True)  # d/dx x**0 is the float 0.0
    (h,) = ad.gradients(g + x * x, [x])  # g differentiated again: gradients as graphs
    return g, h


compiled = ad.compile(f)
compiled(1.0, 1.0)
print("(1, inf): compiled", compiled(1.0, math.inf), "eager", compiled._eagerly((1.0, math.inf)))


def e(x):
    return ad.prod([x, x * x, ad.exp(4 * ad.sign(x) / (1 + ad.sign(x) * ad.sign(x)))])


second = ad.compile(ad.grad(ad.grad(e)))
second(math.nan)  # traced where the gradient reaching sign's 0.0 edge is NaN
print("(1.0) after a trace at NaN: compiled", second(1.0), "eager", second._eagerly((1.0,)))
