"""bug 02: an engine error that f catches while it is traced is not replayed: silently wrong.

The failing operation never became a node, so the code has neither it nor a guard for it;
the branch f took in its `except` is compiled as if unconditional.
"""

import autodiff as ad


def f(x):
    try:
        return ad.log(x)
    except ad.DomainError:
        return x * 0.0


def g(x):
    try:
        return ad.grad(ad.sqrt)(x)
    except ad.DomainError:  # the gradient of sqrt at 0 crosses an undefined edge
        return x * 0.0


for fn, trace_at, call_at in ((f, -1.0, 2.0), (g, 0.0, 4.0)):
    compiled = ad.compile(fn)
    compiled(trace_at)
    print(
        f"{fn.__name__}: traced at {trace_at}, called at {call_at}:",
        "compiled",
        compiled(call_at),
        "eager",
        compiled._eagerly((call_at,)),
    )
