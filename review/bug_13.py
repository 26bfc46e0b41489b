"""bug 13: a user primitive named "part" is referenced in the code as _part<k>, the name of a
piece of a long program: the piece replaces the primitive, so every call fails inside the
code and reruns eagerly (the source shows _part0 calling itself)."""

import autodiff as ad
from autodiff import compiler
from autodiff.compiler import assemble


@ad.primitive(lambda x, out: 2.0 * x, name="part")
def part(x):
    return x * x


def f(x):
    for _ in range(6):
        x = part(x) * 0.5 + x
    return x


assemble.CHUNK = 4
compiled = ad.compile(f)
compiled(0.3)
try:
    compiled._programs[1][0].function(0.3)
except TypeError as error:
    print("the code itself: TypeError:", error)
fallbacks = []
eagerly = compiler.Compiled._eagerly
compiler.Compiled._eagerly = lambda self, args: (fallbacks.append(args), eagerly(self, args))[1]
print("compiled", compiled(0.4), "eager", eagerly(compiled, (0.4,)), "eager reruns", len(fallbacks))
print(compiled._programs[1][0].source.splitlines()[1])
