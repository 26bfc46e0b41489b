"""autodiff.compile's speed, printed as tables; nothing is asserted.

    python benchmarks/compiled.py [--quick]

1. micrograd's demo step (MLP 2-16-16-1 on 100 two-moons points, hinge loss + 1e-4·L2,
   backward, an SGD update): with nn, eager and compiled (the step fit(compile=True) runs);
   written micrograd-style (a + per product), eager, compiled as written (its loop over the
   samples unrolled: 65,000 nodes) and compiled with that loop an autodiff.map; next to the
   hand-written floors of benchmarks/mlp_step.py (dense: all the arithmetic; careful:
   skipping what is zero). One run, repeats interleaved, best of each.
2. What compiling those steps costs: trace + code generation + compile, seconds, how many
   steps it takes the compiled step to save as much on its eager self, and the peak memory
   of a fresh process doing it.
3. The vectorised step (fit(vectorize=True)) at batches of 100, 1,000 and 10,000, next to
   PyTorch with batched tensors (if installed: the bench extra) and NumPy written by hand
   with matrix products, in the same run.
4. Ten epochs of the ten-digit task (MLP 64-32-10, cross-entropy, minibatches of 32, SGD
   with momentum), eager, compiled and vectorised: one fit of all the epochs (compiling
   included), the step alone once compiled, test accuracy.
5. Whole fits with one batch (100 moons; 1,000 samples), eager, compiled and vectorised,
   tracing and compiling included: seconds, and the peak memory each fit adds.
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mlp_step
import numpy as np
from nn_training import nn_model
from timing import best_of, ratio, row

import autodiff as ad
import nn
from autodiff import Value
from nn import demo
from nn.train import training_step


def optional(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except ImportError:
        return None


# -- 1. the demo step ------------------------------------------------------------------------


def nn_steps(workload: mlp_step.Workload, *, compiled: bool, vectorized: bool = False) -> Any:
    """fit's step for the workload's model, as fit runs it (eager, compiled or vectorised),
    and the numbers it takes (samples, targets' numbers)."""
    model = nn_model(workload)
    loss = nn.hinge_loss
    targets = loss.check_targets(workload.labels, 1, "benchmark")
    optimizer = nn.SGD(model.parameters(), lr=mlp_step.LEARNING_RATE)
    step = training_step(
        model,
        loss,
        l2=mlp_step.ALPHA,
        optimizer=optimizer,
        x=workload.points,
        y=targets,
        compiled=compiled,
        vectorize=vectorized,
    )
    batch = list(range(len(targets)))
    return lambda: step(batch)


def timed(run: Callable[[], Any]) -> Callable[[], float]:
    def measure() -> float:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    return measure


def micrograd_style(
    workload: mlp_step.Workload, *, mapped: bool = False, compiled: bool = True
) -> Callable[[], None]:
    """The demo step written as micrograd's nn does (a neuron is sum(w·x, b), one + per
    product), compiled (or not), with its SGD update. As micrograd's demo writes it, its loop
    over the samples unrolled in the trace (65,000 nodes); or ``mapped``, that loop an
    `autodiff.map`, the samples an argument."""
    layers, params = workload.engine_model()
    points, labels = workload.points, workload.labels

    def neuron(ws: list[Value], b: Value, x: Sequence[Any]) -> Any:
        return sum((wi * xi for wi, xi in zip(ws, x)), b)

    def score(x: Sequence[Any]) -> Any:
        h: Sequence[Any] = x
        for layer in layers[:-1]:
            h = [neuron(ws, b, h).relu() for ws, b in layer]
        ws, b = layers[-1][0]
        return neuron(ws, b, h)

    def hinge(x: Sequence[Any], y: Any) -> Any:
        return (1 + -y * score(x)).relu()

    def objective(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[Any, ...]:
        if mapped:
            data_loss = ad.sum(ad.map(hinge, xs, ys))  # the sum of all a map's outputs: a loop
        else:
            data_loss = sum(hinge(x, y) for x, y in zip(xs, ys))
        total = data_loss * (1.0 / len(xs)) + mlp_step.ALPHA * sum(p * p for p in params)
        return (total, *ad.gradients(total, params))

    run = ad.compile(objective) if compiled else objective

    def step() -> None:
        _, *grads = run(points, labels)
        for p, g in zip(params, grads):
            p.data -= mlp_step.LEARNING_RATE * g

    return step


STEPS = {
    "nn": "compiled, nn",
    "micrograd": "compiled, micrograd-style (65k nodes)",
    "mapped": "compiled, micrograd-style with autodiff.map",
}


def demo_step(repeats: int) -> dict[str, float]:
    """The table; and, for each compiled step, what it saves on its eager self, seconds."""
    print("\n## 1. micrograd's demo step, ms (compiled steps after their first call)\n")
    print("| step | ms | × dense floor | × careful floor |")
    print("| --- | --- | --- | --- |")
    workload = mlp_step.Workload()
    steps = {
        "eager, nn": nn_steps(workload, compiled=False),
        STEPS["nn"]: nn_steps(workload, compiled=True),
        "eager, micrograd-style": micrograd_style(workload, compiled=False),
        STEPS["micrograd"]: micrograd_style(workload),
        STEPS["mapped"]: micrograd_style(workload, mapped=True),
    }
    for step in steps.values():
        step()  # traced and compiled, where it is
    runs = [timed(step) for step in steps.values()]
    *times, dense, careful = best_of(
        repeats, *runs, workload.floor_step(careful=False), workload.floor_step(careful=True)
    )
    measured = dict(zip(steps, times))
    for name, t in [
        *measured.items(),
        ("hand-written, dense", dense),
        ("hand-written, careful", careful),
    ]:
        row(name, f"{1e3 * t:.2f}", ratio(t, dense), ratio(t, careful))
    eager = {"nn": measured["eager, nn"], "micrograd": measured["eager, micrograd-style"]}
    return {
        which: eager["nn" if which == "nn" else "micrograd"] - measured[name]
        for which, name in STEPS.items()
    }


# -- 2. what compiling costs ---------------------------------------------------------------------


def peak_memory_mb() -> float:
    """This process's peak resident memory. /proc's high-water mark starts afresh at exec,
    where getrusage's ru_maxrss may carry over the parent's."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kilobytes) / 1024


def compile_cost(which: str) -> None:
    """Trace + write + compile one step, in this (fresh) process: seconds, peak memory."""
    workload = mlp_step.Workload()
    before = peak_memory_mb()
    start = time.perf_counter()
    if which == "nn":
        nn_steps(workload, compiled=True)()
    else:
        micrograd_style(workload, mapped=which == "mapped")()
    seconds = time.perf_counter() - start
    peak = peak_memory_mb()
    print(f"{seconds:.2f} {peak - before:.0f} {peak:.0f}")


def compile_costs(saved: dict[str, float]) -> None:
    print("\n## 2. Trace + code + compile of the step (a fresh process each)\n")
    print("| step | seconds | steps it takes to pay | peak memory, MB (growth / process) |")
    print("| --- | --- | --- | --- |")
    for which, name in STEPS.items():
        done = subprocess.run(
            [sys.executable, __file__, "--compile-cost", which],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, growth, peak = done.stdout.split()
        pays = float(seconds) / saved[which] if saved[which] > 0 else math.inf
        row(name, seconds, f"{pays:.1f}", f"{growth} / {peak}")


# -- 3. the vectorised step -----------------------------------------------------------------------


def moons_batch(n: int) -> tuple[np.ndarray, np.ndarray]:
    points, classes = nn.make_moons(n, noise=0.1, seed=0)
    return np.array(points), np.array([2.0 * c - 1 for c in classes])


def vectorized_step(n: int) -> Callable[[], float]:
    points, labels = moons_batch(n)
    workload = mlp_step.Workload()
    model = nn_model(workload)
    optimizer = nn.SGD(model.parameters(), lr=mlp_step.LEARNING_RATE)
    # As fit hands them over: lists, which the step turns into arrays once.
    samples, targets = points.tolist(), labels.reshape(-1, 1).tolist()
    step = training_step(
        model,
        nn.hinge_loss,
        l2=mlp_step.ALPHA,
        optimizer=optimizer,
        x=samples,
        y=targets,
        compiled=False,
        vectorize=True,
    )
    batch = list(range(n))
    step(batch)  # traced and compiled here
    return timed(lambda: step(batch))


def numpy_step(n: int) -> Callable[[], float]:
    """The step by hand with matrix products: the floor for arrays."""
    x, y = moons_batch(n)
    workload = mlp_step.Workload()
    ws = [np.array([ws for ws, _ in layer]) for layer in workload.layers]
    bs = [np.array([b for _, b in layer]) for layer in workload.layers]

    def step() -> float:
        start = time.perf_counter()
        h1 = np.maximum(x @ ws[0].T + bs[0], 0.0)
        h2 = np.maximum(h1 @ ws[1].T + bs[1], 0.0)
        score = (h2 @ ws[2].T + bs[2])[:, 0]
        margin = 1.0 - y * score
        g = np.where(margin > 0.0, -y, 0.0)[:, None] / len(y)
        g2 = (g @ ws[2]) * (h2 > 0.0)
        g1 = (g2 @ ws[1]) * (h1 > 0.0)
        grads = [(g1.T @ x, g1.sum(0)), (g2.T @ h1, g2.sum(0)), (g.T @ h2, g.sum(0))]
        for k, (gw, gb) in enumerate(grads):
            ws[k] -= mlp_step.LEARNING_RATE * (gw + 2 * mlp_step.ALPHA * ws[k])
            bs[k] -= mlp_step.LEARNING_RATE * (gb + 2 * mlp_step.ALPHA * bs[k])
        return time.perf_counter() - start

    return step


def torch_step(torch: Any, n: int) -> Callable[[], float]:
    points, labels = moons_batch(n)
    x, y = torch.tensor(points), torch.tensor(labels)  # float64, as NumPy and the engine
    workload = mlp_step.Workload()
    params = []
    for layer in workload.layers:
        for numbers in ([ws for ws, _ in layer], [b for _, b in layer]):
            params.append(torch.tensor(numbers, dtype=torch.float64, requires_grad=True))

    def step() -> float:
        start = time.perf_counter()
        h = x
        for k in range(0, 6, 2):
            h = h @ params[k].T + params[k + 1]
            if k < 4:
                h = torch.relu(h)
        loss = torch.relu(1 - y * h[:, 0]).mean()
        loss = loss + mlp_step.ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(mlp_step.LEARNING_RATE * p.grad)
        return time.perf_counter() - start

    return step


def vectorized(repeats: int, sizes: Sequence[int]) -> None:
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
    print("\n## 3. The vectorised demo step, ms\n")
    print("| batch | vectorised | NumPy by hand | PyTorch batched | × NumPy | × PyTorch |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        runs = [vectorized_step(n), numpy_step(n)]
        if torch is not None:
            runs.append(torch_step(torch, n))
        times = best_of(repeats, *runs)
        ours, by_hand = times[0], times[1]
        pytorch = times[2] if torch is not None else math.nan
        row(
            str(n),
            f"{1e3 * ours:.3f}",
            f"{1e3 * by_hand:.3f}",
            "not installed" if torch is None else f"{1e3 * pytorch:.3f}",
            ratio(ours, by_hand),
            "" if torch is None else ratio(ours, pytorch),
        )


# -- 4. the ten digits -----------------------------------------------------------------------------


def digits(epochs: int, repeats: int) -> None:
    print(f"\n## 4. {epochs} epochs of the ten digits (64-32-10, minibatches of 32)\n")
    print("| training | s, one fit | × eager | ms per step, compiled | × eager | test accuracy |")
    print("| --- | --- | --- | --- | --- | --- |")
    images, labels = nn.load_digits("ten")
    x_train, x_test, y_train, y_test = nn.train_test_split(
        images, labels, test_fraction=0.2, seed=0
    )
    modes: list[tuple[str, bool, bool]] = [
        ("eager", False, False),
        ("compiled", True, False),
        ("vectorised", False, True),
    ]
    totals, accuracies = [], []
    for _, compiled, vectorized in modes:
        model, optimizer = demo.digits_network(len(x_train), epochs, 1)
        start = time.perf_counter()
        nn.fit(
            model,
            x_train,
            y_train,
            loss=nn.cross_entropy_loss,
            optimizer=optimizer,
            epochs=epochs,
            batch_size=demo.BATCH_SIZE,
            seed=2,
            progress=False,
            compile=compiled,
            vectorize=vectorized,
        )
        totals.append(time.perf_counter() - start)
        accuracies.append(nn.evaluate(model, x_test, y_test, loss=nn.cross_entropy_loss).accuracy)
    steps = best_of(repeats, *[digits_step(x_train, y_train, c, v) for _, c, v in modes])
    for (name, _, _), total, step, accuracy in zip(modes, totals, steps, accuracies):
        row(
            name,
            f"{total:.2f}",
            ratio(total, totals[0]),
            f"{1e3 * step:.2f}",
            ratio(step, steps[0]),
            f"{accuracy:.1%}",
        )


def digits_step(
    x: list[list[float]], y: list[int], compiled: bool, vectorized: bool
) -> Callable[[], float]:
    """One training step on the first 32 images, as fit takes it, timed after a first call
    (which traces and compiles, where it does)."""
    model, optimizer = demo.digits_network(len(x), 1, 1)
    loss = nn.cross_entropy_loss
    samples = x[: demo.BATCH_SIZE]
    targets = loss.check_targets(y[: demo.BATCH_SIZE], 10, "benchmark")
    step = training_step(
        model,
        loss,
        l2=0.0,
        optimizer=optimizer,
        x=samples,
        y=targets,
        compiled=compiled,
        vectorize=vectorized,
    )
    batch = list(range(len(samples)))
    run = timed(lambda: step(batch))
    run()
    return run


# -- 5. whole fits, compiling included -------------------------------------------------------------

FITS = {
    "moons": "100 moons, one batch, MLP 2-16-16-1, 20 epochs",
    "large": "1,000 samples of 3 inputs, one batch, MLP 3-32-32-1, 5 epochs",
}
MODES = ("eager", "compiled", "vectorised")


def fit_cost(which: str, mode: str) -> None:
    """One fit, in this (fresh) process: seconds, and the growth of peak memory."""
    if which == "moons":
        x, classes = nn.make_moons(100, noise=0.1, seed=0)
        model, epochs = nn.MLP(2, [16, 16, 1], seed=0), 20
    else:
        rng = np.random.default_rng(0)
        x = rng.uniform(-1, 1, (1000, 3)).tolist()
        classes = [int(a * b + c > 0) for a, b, c in x]
        model, epochs = nn.MLP(3, [32, 32, 1], seed=0), 5
    before = peak_memory_mb()
    start = time.perf_counter()
    nn.fit(
        model,
        x,
        [2 * c - 1 for c in classes],
        loss=nn.hinge_loss,
        optimizer=nn.SGD(model.parameters(), lr=0.05),
        epochs=epochs,
        progress=False,
        compile=mode == "compiled",
        vectorize=mode == "vectorised",
    )
    print(f"{time.perf_counter() - start:.2f} {peak_memory_mb() - before:.0f}")


def fits() -> None:
    print("\n## 5. Whole fits, tracing and compiling included (a fresh process each)\n")
    print("| fit | eager, s | compiled, s | × eager | vectorised, s | × eager | peak growth, MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for which, name in FITS.items():
        seconds, memory = [], []
        for mode in MODES:
            done = subprocess.run(
                [sys.executable, __file__, "--fit-cost", which, mode],
                capture_output=True,
                text=True,
                check=True,
            )
            t, m = done.stdout.split()
            seconds.append(float(t))
            memory.append(m)
        eager, compiled, vectorised = seconds
        row(
            name,
            f"{eager:.2f}",
            f"{compiled:.2f}",
            ratio(compiled, eager),
            f"{vectorised:.2f}",
            ratio(vectorised, eager),
            " / ".join(memory),
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller batches")
    parser.add_argument("--compile-cost", choices=list(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--fit-cost", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compile_cost:
        compile_cost(args.compile_cost)
        return
    if args.fit_cost:
        fit_cost(*args.fit_cost)
        return
    repeats = 3 if args.quick else 10
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}")
    compile_costs(demo_step(repeats))
    vectorized(repeats, [100, 1000] if args.quick else [100, 1000, 10_000])
    digits(2 if args.quick else 10, repeats)
    fits()


if __name__ == "__main__":
    main()
