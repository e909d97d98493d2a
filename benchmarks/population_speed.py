"""Agent-ticks per second of the population engine against a plain Python loop over agents.

The workload: N agents with uniformly random memory-one codes (all 162), noise 0.01,
breakup 0.01, death-birth with expected life 100, outside option 1, on the complete graph
and on an Erdős–Rényi graph of mean degree 10; a time-series row every 10 ticks and the
relationships table collected every 50. The plain loop, written here, plays the same
tick (meet, play, breakup, death-birth, leave) agent by agent with ``random``. Repeats are
interleaved so that load on a shared machine falls on both alike; the medians and their
ratio are printed, with the aims (10 M agent-ticks/s complete, 2 M sparse, N = 10,000),
by wall time and by this process's CPU time (what an idle machine would show).
The general path (the same memory-one strategies as players) is timed once, for scale.
Then N = 1,000,000 (complete, and a sparse graph built as CSR arrays in numpy, since
networkx needs gigabytes for 5 M edges) is run for a few ticks, with the peak memory.

Run: .venv/bin/python benchmarks/population_speed.py [--repeats 3] [--ticks 200] [--big-ticks 10]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

import numpy as np

from powergame.population import (
    Adjacency,
    ChangeRule,
    Market,
    PlayerStrategies,
    Population,
    StackedTables,
    TableStrategies,
)
from powergame.strategies.memory_one import MemoryOne, memory_one_codes

N = 10_000
MEAN_DEGREE = 10
BREAKUP, NOISE, LIFE, OUTSIDE = 0.01, 0.01, 100.0, 1.0
PAYOFFS = (3.0, 0.0, 5.0, 1.0)
AIMS = {"complete": 10e6, "sparse": 2e6}


def sparse_graph(n: int, mean_degree: float, seed: int) -> Adjacency:
    """An Erdős–Rényi-like graph (n * mean_degree / 2 random edges, duplicates and loops
    dropped) as CSR arrays, without networkx."""
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree / 2)
    i, j = rng.integers(n, size=m), rng.integers(n, size=m)
    keep = i != j
    i, j = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
    key = np.unique(i * n + j)
    i, j = key // n, key % n
    src, dst = np.concatenate((i, j)), np.concatenate((j, i))
    order = np.argsort(src, kind="stable")
    indptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n))))
    return Adjacency.from_csr(n, indptr, dst[order])


def engine_population(n: int, graph: Adjacency, seed: int, general: bool = False) -> Population:
    codes = memory_one_codes()
    if general:  # the general path: fresh players called couple by couple
        strategies: TableStrategies | PlayerStrategies = PlayerStrategies(
            [lambda code=code: MemoryOne(code=code) for code in codes]
        )
    else:
        strategies = TableStrategies(StackedTables.build([MemoryOne(code=c).state_table() for c in codes]), n)
    initial = np.random.default_rng(seed).integers(162, size=n)
    return Population(
        strategies,
        graph,
        initial,
        np.full(n, OUTSIDE),
        Market(payoffs=PAYOFFS, noise=NOISE, breakup=BREAKUP),
        ChangeRule(rule="death-birth", expected_life=LIFE),
        seed,
    )


def engine_rate(
    n: int, graph: Adjacency, ticks: int, seed: int, warmup: int = 20, general: bool = False
) -> tuple[float, float]:
    """Agent-ticks per second of wall time and of this process's CPU time (on a loaded
    machine the second says what an idle one would do)."""
    pop = engine_population(n, graph, seed, general)
    for _ in range(warmup):
        pop.step()
    start, cpu = time.perf_counter(), time.process_time()
    for t in range(ticks):
        pop.step(record=t % 10 == 0)
        if t % 50 == 49:  # as a run does at its checkpoints
            pop.take_relationships()
    return n * ticks / (time.perf_counter() - start), n * ticks / (time.process_time() - cpu)


# --- the plain Python loop over agents ----------------------------------------------------
def loop_rate(n: int, neighbours: list[list[int]] | None, ticks: int, seed: int) -> tuple[float, float]:
    """The same tick, agent by agent: lists, dicts and ``random``."""
    rnd = random.Random(seed)
    codes = memory_one_codes()
    # per code: first move is D?, and for outcomes CC, CD, DC, DD: ('C' | 'D' | 'L')
    first_d = [code[0] == "D" for code in codes]
    answer = [code[1:] for code in codes]
    strategy = [rnd.randrange(162) for _ in range(n)]
    partner = [-1] * n
    last = [-1] * n  # own view of the last outcome, -1 before round 1
    payoff = [0.0] * n
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(ticks):
        # (1) meet
        singles = [i for i in range(n) if partner[i] < 0]
        rnd.shuffle(singles)
        if neighbours is None:
            for x, y in zip(singles[0::2], singles[1::2]):
                partner[x], partner[y], last[x], last[y] = y, x, -1, -1
        else:
            for x in singles:
                if partner[x] >= 0:
                    continue
                free = [y for y in neighbours[x] if partner[y] < 0]
                if free:
                    y = rnd.choice(free)
                    partner[x], partner[y], last[x], last[y] = y, x, -1, -1
        # (2) play
        outcome = {}
        for x in range(n):
            y = partner[x]
            if y < x:
                payoff[x] = OUTSIDE if y < 0 else payoff[x]
                continue
            dx = first_d[strategy[x]] if last[x] < 0 else answer[strategy[x]][last[x]] == "D"
            dy = first_d[strategy[y]] if last[y] < 0 else answer[strategy[y]][last[y]] == "D"
            if rnd.random() < NOISE:
                dx = not dx
            if rnd.random() < NOISE:
                dy = not dy
            o = 2 * dx + dy
            payoff[x] = PAYOFFS[o]
            payoff[y] = PAYOFFS[(0, 2, 1, 3)[o]]
            outcome[x] = o
        # (3) breakup
        for x in list(outcome):
            if rnd.random() < BREAKUP:
                y = partner[x]
                partner[x] = partner[y] = -1
                del outcome[x]
        # (4) death-birth, payoff-proportional
        total = sum(max(p, 0.0) for p in payoff)
        for x in range(n):
            if rnd.random() < 1.0 / LIFE:
                target, acc, parent = rnd.random() * total, 0.0, n - 1
                for k in range(n):
                    acc += max(payoff[k], 0.0)
                    if acc > target:
                        parent = k
                        break
                strategy[x] = strategy[parent]
                y = partner[x]
                if y >= 0:
                    partner[x] = partner[y] = -1
                    outcome.pop(min(x, y), None)
        # (5) leave
        for x, o in outcome.items():
            y = partner[x]
            ox, oy = o, (0, 2, 1, 3)[o]
            if answer[strategy[x]][ox] == "L" or answer[strategy[y]][oy] == "L":
                partner[x] = partner[y] = -1
            else:
                last[x], last[y] = ox, oy
    return n * ticks / (time.perf_counter() - start), n * ticks / (time.process_time() - cpu)


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ticks", type=int, default=200, help="engine ticks per repeat")
    parser.add_argument("--loop-ticks", type=int, default=3, help="plain-loop ticks per repeat")
    parser.add_argument("--big-ticks", type=int, default=10, help="ticks at N = 1,000,000 (0: skip)")
    args = parser.parse_args()

    graphs = {"complete": Adjacency.complete(N), "sparse": sparse_graph(N, MEAN_DEGREE, 1)}
    assert graphs["sparse"].indptr is not None and graphs["sparse"].indices is not None
    lists = {
        "complete": None,
        "sparse": [
            graphs["sparse"].indices[graphs["sparse"].indptr[i] : graphs["sparse"].indptr[i + 1]].tolist()
            for i in range(N)
        ],
    }
    print(f"N = {N:,}, 162 memory-one codes, noise {NOISE}, breakup {BREAKUP}, death-birth life {LIFE:g}")
    print(f"sparse graph: mean degree {2 * graphs['sparse'].edges / N:.2f}")
    for kind, graph in graphs.items():
        engine, loop = [], []
        for r in range(args.repeats):
            engine.append(engine_rate(N, graph, args.ticks, seed=r))
            loop.append(loop_rate(N, lists[kind], args.loop_ticks, seed=r))
        for clock, i in (("wall", 0), ("cpu", 1)):
            e, lp = statistics.median(x[i] for x in engine), statistics.median(x[i] for x in loop)
            print(
                f"{kind:9s} {clock:4s} engine {e / 1e6:6.2f} M agent-ticks/s (aim {AIMS[kind] / 1e6:g} M)  "
                f"plain loop {lp / 1e6:6.3f} M  ratio {e / lp:5.0f}x  "
                f"(medians of {args.repeats}: {', '.join(f'{x[i] / 1e6:.2f}' for x in engine)} M)"
            )
    wall, cpu = engine_rate(N, graphs["complete"], 5, seed=0, warmup=5, general=True)
    print(f"general path (players called couple by couple), complete: {cpu / 1e6:.3f} M agent-ticks/s cpu")
    if args.big_ticks:
        big = 1_000_000
        for kind in ("complete", "sparse"):
            before = peak_memory_mb()
            graph = Adjacency.complete(big) if kind == "complete" else sparse_graph(big, MEAN_DEGREE, 2)
            wall, cpu = engine_rate(big, graph, args.big_ticks, seed=1, warmup=2)
            print(
                f"N = 1,000,000 {kind:9s}: {wall / 1e6:6.2f} M agent-ticks/s wall, {cpu / 1e6:6.2f} M cpu "
                f"over {args.big_ticks} ticks, "
                f"peak memory {peak_memory_mb():,.0f} MB (was {before:,.0f} MB before)"
            )


if __name__ == "__main__":
    main()
