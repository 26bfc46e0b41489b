"""bug 03: with gradients built as graphs (a gradient differentiated again), an undefined
derivative met at the trace is frozen: silently wrong at every other point.

Traced at x = 0, y = 0: sqrt's rule fails on Values there (0.5 / 0), so every edge of the
node is an Undefined, and the gradient y crossing it is 0, so Undefined.__rmul__ gives 0.0.
Both decisions read numbers (.data) without a guard; the code keeps the constant 0.0.
"""

import autodiff as ad

f = ad.grad(ad.grad(lambda x, y: ad.sqrt(x) * y, argnums=0), argnums=1)
compiled = ad.compile(f)
compiled(0.0, 0.0)
for point in ((4.0, 1.0), (0.0, 1.0)):
    try:
        eager = compiled._eagerly(point)
    except ad.DomainError as error:
        eager = f"DomainError: {error}"
    print(point, "compiled", compiled(*point), "eager", eager)
