"""bug 12: a program in pieces stores, at the end of a piece, names that are assigned only
inside a block the call skipped (a zero adjoint): UnboundLocalError, so the call reruns
eagerly (correct but slow; with a dead ReLU it is most calls)."""

import autodiff as ad
from autodiff.compiler import assemble

assemble.CHUNK = 5
compiled = ad.compile(
    ad.value_and_grad(lambda x, y: ad.prod([x, ad.sin(x * y), x]), argnums=(0, 1))
)
print("compiled", compiled(0.0, 1.0), "eager", compiled._eagerly((0.0, 1.0)))
program = compiled._programs[2][0]
try:
    program.function(0.0, 1.0)
except UnboundLocalError as error:
    print("the code itself: UnboundLocalError:", error)
