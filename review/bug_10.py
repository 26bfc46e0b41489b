"""bug 10: a call by keyword applies every default, and a default that is not a number
(a string, None) is refused; the same call by position works."""

import autodiff as ad


def f(x, activation="tanh"):
    return getattr(x, activation)()


compiled = ad.compile(f)
print("compiled(0.5):", compiled(0.5))
try:
    print("compiled(x=0.5):", compiled(x=0.5))
except TypeError as error:
    print("compiled(x=0.5): TypeError:", error)
print("f(x=Value(0.5)):", f(x=ad.Value(0.5)).data)
