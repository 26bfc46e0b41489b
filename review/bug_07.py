"""bug 07: a gradient seeded with a Value that is 0: the eager pass passes a Value 0 on
(only the float 0 is skipped), so 0 × inf gives NaN; the compiled code skips it (`if g:`)."""

import math

import autodiff as ad


def f(x, s):
    return ad.gradients(x * math.inf, [x], grad=s * 1.0)[0]


compiled = ad.compile(f)
compiled(1.0, 2.0)
print("compiled", compiled(1.0, 0.0), "eager", compiled._eagerly((1.0, 0.0)))
