"""bug 06: create_graph=True through a node made before f whose leaf has changed: the compiled
code reads the derivatives recorded on the node (.partials, stale), the eager engine applies
the node's rule to its inputs' current values."""

import autodiff as ad
from autodiff import Value

w = Value(0.5, "w")
m = w * w  # made before f; d m / d w recorded as (0.5, 0.5)


def f(x):
    return ad.gradients(m * x, [w], create_graph=True)[0] + 0.0


compiled = ad.compile(f)
compiled(0.8)
w.data = 1.5
print("compiled", compiled(0.8), "eager", compiled._eagerly((0.8,)))
