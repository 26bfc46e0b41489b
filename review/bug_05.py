"""bug 05: a gradient the eager engine gives as a constant (create_graph=False, or a
transformation called at f's top level, which returns floats) is differentiated through
by a later gradient in the compiled code.
"""

import autodiff as ad
from autodiff import Value


def a(x):
    g = ad.gradients(x * x * x, [x])[0]  # create_graph=False: a constant 3x^2
    return g * x


def b(x):
    g = ad.grad(lambda t: t * t * t)(x)  # eagerly a float
    return ad.gradients(g * x, [x])[0]


for fn in (ad.value_and_grad(a), b):
    compiled = ad.compile(fn)
    print(
        getattr(fn, "__name__", fn), "compiled", compiled(2.0), "eager", compiled._eagerly((2.0,))
    )

# The same cause: the retrace that builds gradients as graphs applies the rules again where
# the eager pass (create_graph=False) reads the derivatives recorded on a node made before f.
w = Value(0.5, "w")
s = ad.sqrt(w * w)


def c(x):
    (gw,) = ad.gradients(s * x, [w], create_graph=True)
    return ad.gradients(gw, [w, x])


compiled = ad.compile(c)
compiled(0.8)
w.data = 1.5
print("c after w changed: compiled", compiled(0.8), "eager", compiled._eagerly((0.8,)))
