"""Engine benchmarks, all in one run, printed as a table.

    python benchmarks/engine.py [--quick]

1. build + backward of a 200k-op sum of products of 1000 random leaves (µs per op):
   100k products of random pairs, summed pairwise (so micrograd's recursive backward can run it);
2. a chain of 10^6 operations: build and backward (seconds);
3. bytes (tracemalloc) and GC-tracked objects per node of a 100k-node graph;
4. micrograd's demo training step (MLP 2-16-16-1 on 100 two-moons points, SVM loss with L2,
   backward, SGD update), written with this engine as a user would, next to the same step
   written by hand in plain floats with hand-derived gradients (the floor).

Where micrograd (0.1.0) or PyTorch are installed, they run the same workloads in the same run,
as references. Every timing is the best of several repeats, with the interpreter's default GC
settings. Nothing here is asserted: the figures go into the closing notes of issues.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mlp_step
from timing import best_of, ratio, row

import autodiff
from autodiff import Value


def optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# -- 1. sum of products -----------------------------------------------------------------------


def pairs(
    n_products: int, n_leaves: int, seed: int = 0
) -> tuple[list[float], list[tuple[int, int]]]:
    rng = random.Random(seed)
    leaves = [rng.uniform(-1, 1) for _ in range(n_leaves)]
    return leaves, [(rng.randrange(n_leaves), rng.randrange(n_leaves)) for _ in range(n_products)]


def pairwise_sum(terms: list[Any]) -> Any:
    """Sum by halves, with `+` (depth log2 n instead of n)."""
    while len(terms) > 1:
        paired = [a + b for a, b in zip(terms[::2], terms[1::2])]
        terms = paired + terms[len(paired) * 2 :]
    return terms[0]


def sum_of_products(make_leaf: Callable[[float], Any], n_products: int) -> Callable[[], float]:
    """µs per op of build + backward, for any engine whose values have .backward()."""
    data, index = pairs(n_products, 1000)

    def run() -> float:
        leaves = [make_leaf(x) for x in data]
        start = time.perf_counter()
        total = pairwise_sum([leaves[i] * leaves[j] for i, j in index])
        total.backward()
        elapsed = time.perf_counter() - start
        return 1e6 * elapsed / (2 * n_products - 1)

    return run


def sum_of_products_by_hand(n_products: int) -> Callable[[], float]:
    """The floor: the same products and sums of floats, and their gradients written by hand."""
    data, index = pairs(n_products, 1000)

    def run() -> float:
        start = time.perf_counter()
        products = [data[i] * data[j] for i, j in index]
        pairwise_sum(products)
        grads = [0.0] * len(data)
        for i, j in index:  # d total / d leaf_i = leaf_j, for every product leaf_i * leaf_j
            grads[i] += data[j]
            grads[j] += data[i]
        elapsed = time.perf_counter() - start
        return 1e6 * elapsed / (2 * n_products - 1)

    return run


def torch_leaf(torch: ModuleType) -> Callable[[float], Any]:
    return lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True)


# -- 2. a long chain --------------------------------------------------------------------------


def chain(n_ops: int) -> tuple[float, float]:
    """Seconds to build y = tanh(w · y) repeated (n_ops operations), and to differentiate it."""
    x, w = Value(0.5), Value(0.9)
    start = time.perf_counter()
    y = x
    for _ in range(n_ops // 2):
        y = (w * y).tanh()
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return built - start, done - built


# -- 3. memory --------------------------------------------------------------------------------


def memory_per_node(n_nodes: int) -> tuple[float, float, float]:
    """(bytes per node as built, bytes per node after backward, GC-tracked objects per node)."""
    data, index = pairs(n_nodes // 2, 1000)
    leaves = [Value(x) for x in data]
    gc.collect()
    tracked_before = len(gc.get_objects())
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    total = leaves[index[0][0]] * leaves[index[0][1]]
    for i, j in index[1:]:
        total = total + leaves[i] * leaves[j]
    built = tracemalloc.get_traced_memory()[0]
    total.backward()
    after_backward = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    tracked = len(gc.get_objects()) - tracked_before
    nodes = len(autodiff.topological_order(total))
    return (built - before) / nodes, (after_backward - before) / nodes, tracked / nodes


# -- the table --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 5
    n_products = 10_000 if args.quick else 100_000
    chain_ops = 100_000 if args.quick else 1_000_000
    micrograd = optional("micrograd.engine")
    torch = optional("torch")

    print(f"Python {sys.version.split()[0]}, GC thresholds {gc.get_threshold()}\n")
    print("| workload | autodiff | reference | ratio |")
    print("| --- | --- | --- | --- |")

    runs = [sum_of_products(Value, n_products), sum_of_products_by_hand(n_products)]
    if micrograd is not None:
        runs.append(sum_of_products(micrograd.Value, n_products))
    ours, floor, *references = best_of(repeats, *runs)
    name = f"1. sum of products, {2 * n_products - 1} ops, µs/op"
    row(name, f"{ours:.3f}", f"hand-written {floor:.3f}", ratio(ours, floor))
    for reference in references:
        row(name, f"{ours:.3f}", f"micrograd {reference:.3f}", ratio(ours, reference))
    if torch is not None:
        (pytorch,) = best_of(1, sum_of_products(torch_leaf(torch), n_products // 10))
        row(name, f"{ours:.3f}", f"PyTorch {pytorch:.3f} (1/10 size)", ratio(ours, pytorch))

    build, back = chain(chain_ops)
    row(f"2. chain of {chain_ops} ops, s", f"build {build:.2f} + backward {back:.2f}", "", "")

    built, after, tracked = memory_per_node(n_products)
    row("3. bytes per node (built / after backward)", f"{built:.0f} / {after:.0f}", "", "")
    row("3. GC-tracked objects per node", f"{tracked:.2f}", "", "")

    step = mlp_step.Workload()
    steps = [step.engine_step(), step.floor_step(careful=True), step.floor_step(careful=False)]
    ours, floor, plain = best_of(4 * repeats, *steps)
    name = "4. micrograd demo step, ms"
    row(name, f"{1e3 * ours:.1f}", f"hand-written floor {1e3 * floor:.1f}", ratio(ours, floor))
    row(name, f"{1e3 * ours:.1f}", f"by hand, no skipping {1e3 * plain:.1f}", ratio(ours, plain))
    if micrograd is not None:
        ours, theirs = best_of(max(1, repeats // 2), steps[0], step.micrograd_step())
        row(name, f"{1e3 * ours:.1f}", f"micrograd {1e3 * theirs:.1f}", ratio(ours, theirs))
    print(f"\n(loss after one step, engine vs floor: {step.check():.3e} apart)")


if __name__ == "__main__":
    main()
