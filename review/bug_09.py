"""bug 09: f returning an empty tuple or list: the generated `return (,)` is a SyntaxError,
so the call warns 'could not be traced' and runs eagerly from then on."""

import warnings

import autodiff as ad

compiled = ad.compile(lambda x: ())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("compiled", compiled(1.0), "eager", compiled._eagerly((1.0,)), "traces", compiled.traces)
print("warning:", caught[0].message if caught else None)
