"""Neural networks built on `autodiff`: neurons, layers, MLPs, losses, optimizers, training.

Filled in by the nn issue; the package exists now so one distribution installs both.
"""

__all__: list[str] = []
