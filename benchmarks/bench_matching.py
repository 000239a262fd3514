"""Mentor matching at 20,000 mentees x 4,000 mentors (issue 8).

Pure computation, no database: `kindred.algorithms.mentor_matching` on a
synthetic population generated here with a seed (topics in areas of interest,
sector, stage, region, languages, availability, experience, organisations so that
the same-organisation rule bites, forbidden pairs, a few ranked preferences),
capacities 1-5, the default criteria weights.

Measured in one run, each method from the feature arrays to the assignment
(scoring included):
- greedy baseline (best remaining pair first over the same candidates, then the
  leftovers against mentors with room): time, total, memory;
- the exact solver (min-cost flow on each mentee's 50 best and each mentor's 25
  best, certified from the dual, widened where the certificate fails, arcs
  proven useless fixed out): time, total, rounds, memory (peak resident growth
  sampled every 5 ms, and the peak of Python/numpy allocations under tracemalloc
  in a separate run);
- the same solver stopped once its certified gap is under 0.01% (what the issue
  allows), twice;
- the reference optimum: the certified dual bound over ALL allowed pairs, which
  the exact solver reaches;
- SciPy's dense exact assignment on the capacity-expanded matrix at a fifth of
  the size (it needs GBs at full size), against the solver on the same problem;
- with total capacity below demand and sparse fits (the organiser weights only
  shared goals), "most matched first" against "best total fit": people matched,
  and how many of the hardest-to-match mentees get a mentor (the quarter whose
  best possible fit is lowest, and the quarter with the fewest mentors who fit).
Targets: the optimum (or a certified gap under 0.01%), no slower than greedy,
under 1 GB of extra memory.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import tracemalloc
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from benchmarks.bench_search import _code_version
from benchmarks.common import code_line, write_result
from kindred.algorithms import mentor_matching as mm

MENTEES = int(os.environ.get("KINDRED_BENCH_MENTEES", 20_000))
MENTORS = int(os.environ.get("KINDRED_BENCH_MENTORS", 4_000))
CANDIDATES = 50
SEED = 7
GAP_MAX = 1e-4  # 0.01%
TIME_RATIO_MAX = 1.0
MEMORY_MAX_MB = 1024


def _rows(rng: np.random.Generator, choices: list[np.ndarray], width: int):
    indptr = np.zeros(len(choices) + 1, np.int64)
    indptr[1:] = np.cumsum([len(c) for c in choices])
    indices = np.concatenate(choices) if choices else np.zeros(0, np.int64)
    return sp.csr_matrix(
        (np.ones(len(indices), np.float32), indices, indptr),
        shape=(len(choices), width),
    )


def synthetic(
    n: int,
    m: int,
    *,
    seed: int = SEED,
    weights: dict[str, float] | None = None,
    capacity: tuple[int, int] = (1, 5),
    sparse_fits: bool = False,
) -> tuple[mm.Problem, dict[str, Any]]:
    """A realistic population: interests cluster in areas, most speak English,
    organisations are of very different sizes and mentors come from the same ones."""
    rng = np.random.default_rng(seed)
    areas, per_area = 8, 6
    topics = areas * per_area
    sectors, stages, regions, languages, slots, orgs = 14, 5, 12, 8, 14, 800

    def pick(k_lo: int, k_hi: int, pool: np.ndarray) -> np.ndarray:
        k = int(rng.integers(k_lo, k_hi + 1))
        return rng.choice(pool, size=min(k, len(pool)), replace=False)

    def interests(count: int, lo: int, hi: int, mentor: bool) -> list[np.ndarray]:
        out = []
        popular = rng.dirichlet(np.ones(areas) * 0.8)
        own_areas = 2 if mentor else 1
        for _ in range(count):
            own = rng.choice(areas, size=own_areas, replace=False, p=popular)
            pool = np.concatenate(
                [np.arange(a * per_area, (a + 1) * per_area) for a in own]
            )
            out.append(np.sort(pick(lo, hi, pool)))
        return out

    def one_of(count: int, width: int, p=None) -> list[np.ndarray]:
        return [np.array([x]) for x in rng.choice(width, size=count, p=p)]

    def some(count: int, width: int, lo: int, hi: int) -> list[np.ndarray]:
        return [np.sort(pick(lo, hi, np.arange(width))) for _ in range(count)]

    def spoken(count: int, mentee: bool) -> list[np.ndarray]:
        out = []
        for _ in range(count):
            langs = [0] if rng.random() < (0.88 if mentee else 0.93) else []
            if rng.random() < 0.25 or not langs:
                langs.append(int(rng.integers(1, languages)))
            out.append(np.array(sorted(set(langs))))
        return out

    org_p = 1.0 / np.arange(1, orgs + 1) ** 0.9
    org_p /= org_p.sum()

    def member_of(count: int) -> list[np.ndarray]:
        return [
            np.array([x]) if rng.random() < 0.9 else np.zeros(0, np.int64)
            for x in rng.choice(orgs, size=count, p=org_p)
        ]

    sector_p = rng.dirichlet(np.ones(sectors))
    mentees = mm.Side(
        topics=_rows(
            rng, interests(n, *((2, 4) if sparse_fits else (1, 3)), False), topics
        ),
        sectors=_rows(rng, one_of(n, sectors, sector_p), sectors),
        stages=_rows(rng, one_of(n, stages, [0.25, 0.3, 0.25, 0.15, 0.05]), stages),
        regions=_rows(rng, one_of(n, regions), regions),
        languages=_rows(rng, spoken(n, True), languages),
        availability=_rows(
            rng,
            [
                np.zeros(0, np.int64) if rng.random() < 0.1 else c
                for c in some(n, slots, 2, 5)
            ],
            slots,
        ),
        organisations=_rows(rng, member_of(n), orgs),
    )
    stage_lists = some(m, stages, 1, 3)
    mentors = mm.Side(
        topics=_rows(
            rng, interests(m, *((2, 4) if sparse_fits else (3, 8)), True), topics
        ),
        sectors=_rows(rng, some(m, sectors, 1, 2), sectors),
        stages=_rows(
            rng,
            [np.zeros(0, np.int64) if rng.random() < 0.15 else s for s in stage_lists],
            stages,
        ),
        regions=_rows(rng, some(m, regions, 1, 2), regions),
        languages=_rows(rng, spoken(m, False), languages),
        availability=_rows(rng, some(m, slots, 2, 6), slots),
        organisations=_rows(rng, member_of(m), orgs),
        experience_years=rng.integers(0, 36, size=m),
        capacity=rng.integers(capacity[0], capacity[1] + 1, size=m),
    )
    forbidden = np.stack(
        [rng.integers(0, n, size=n), rng.integers(0, m, size=n)], axis=1
    )
    mentee_preferences = [
        [int(x) for x in rng.choice(m, size=3, replace=False)]
        if rng.random() < 0.05
        else []
        for _ in range(n)
    ]
    if sparse_fits:
        weights = weights or {mm.GOALS: 1}
    problem = mm.build_problem(
        mentees,
        mentors,
        weights or mm.DEFAULT_WEIGHTS,
        forbidden=forbidden,
        mentee_preferences=mentee_preferences,
    )
    return problem, {
        "mentees": n,
        "mentors": m,
        "total_capacity": int(problem.capacity.sum()),
        "forbidden_pairs": int(problem.banned.nnz),
        "organisations": orgs,
        "weights": dict(weights or mm.DEFAULT_WEIGHTS),
    }


class _PeakRSS:
    """The peak growth of resident memory over a block, sampled every 5 ms."""

    def __enter__(self) -> _PeakRSS:
        self.base = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.base) / 2**20, 1)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _timed(fn, *args, **kwargs) -> tuple[Any, float, float]:
    """The result, wall seconds and RSS growth; the CPU seconds go to CPU_SECONDS
    (this process's own time, less disturbed by other work on the machine)."""
    gc.collect()
    with _PeakRSS() as rss:
        started, cpu = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - started
        CPU_SECONDS.append(time.process_time() - cpu)
    return result, seconds, rss.growth_mb


CPU_SECONDS: list[float] = []


def _traced_peak_mb(fn, *args, **kwargs) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 2**20, 1)


def _dense_reference(n: int, m: int) -> dict[str, Any]:
    """SciPy's exact assignment on the capacity-expanded matrix, smaller size."""
    problem, _ = synthetic(n, m, seed=SEED + 1)
    gain = mm.score_block(problem, np.arange(n))
    slots = np.repeat(np.arange(m), problem.capacity)
    started = time.perf_counter()
    expanded = gain[:, slots]
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    value = expanded[rows, cols]
    scipy_seconds = time.perf_counter() - started
    scipy_total = int(value[value > 0].sum())
    solution, seconds, _ = _timed(mm.solve, problem, candidates=CANDIDATES)
    return {
        "mentees": n,
        "mentors": m,
        "slots": int(len(slots)),
        "scipy_seconds": round(scipy_seconds, 2),
        "scipy_matrix_mb": round(expanded.nbytes / 2**20, 1),
        "scipy_total": scipy_total / mm.UNITS,
        "solver_seconds": round(seconds, 2),
        "solver_total": solution.total_units / mm.UNITS,
        "equal": scipy_total == solution.total_units,
    }


def _coverage_case(n: int, m: int) -> dict[str, Any]:
    """Capacity below demand, sparse fits: who is left out in each mode."""
    problem, info = synthetic(n, m, seed=SEED + 2, capacity=(1, 3), sparse_fits=True)
    pool = mm.top_candidates(problem, CANDIDATES)
    # How many mentors fit each mentee at all (score > 0, allowed).
    options = np.zeros(n, np.int64)
    step = mm._block_rows(m)
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        block = mm.score_block(problem, rows)
        options[rows] = (block > 0).sum(axis=1)
    reachable = options > 0
    fewest = reachable & (options <= np.quantile(options[reachable], 0.25))
    out: dict[str, Any] = {
        **info,
        "mentees_with_any_fit": int(reachable.sum()),
        "fewest_options_quarter": int(fewest.sum()),
        "fewest_options_max": int(options[fewest].max(initial=0)),
    }
    for mode in mm.MODES:
        solution, seconds, _ = _timed(
            mm.solve, problem, mode=mode, candidates=CANDIDATES, pool=pool
        )
        matched = solution.mentor_of >= 0
        out[mode] = {
            "matched": int(matched.sum()),
            "fewest_options_matched": int((matched & fewest).sum()),
            "mentor_of": solution.mentor_of,
            "total": solution.total_units / mm.UNITS,
            "optimal": solution.optimal,
            "rounds": len(solution.stats["rounds"]),
            "seconds": round(seconds, 2),
        }
    best_matched = out[mm.BEST_TOTAL].pop("mentor_of") >= 0
    most_matched = out[mm.MOST_MATCHED].pop("mentor_of") >= 0
    left_out = reachable & ~best_matched
    out["left_out_by_best_total"] = int(left_out.sum())
    out["of_those_matched_by_most_matched"] = int((left_out & most_matched).sum())
    out["matched_by_best_total_only"] = int((best_matched & ~most_matched).sum())
    out["left_out_fewest_options"] = int((left_out & fewest).sum())
    out["of_those_matched_by_most_matched_fewest_options"] = int(
        (left_out & fewest & most_matched).sum()
    )
    return out


def _solver_figures(solution: mm.Solution, seconds: list[float], optimum: int):
    first = solution.stats["rounds"][0]
    return {
        "seconds": [round(x, 2) for x in seconds],
        "seconds_scoring": solution.stats["seconds_scoring"],
        "seconds_prices": solution.stats["seconds_prices"],
        "priced": solution.stats["priced"],
        "total": solution.total_units / mm.UNITS,
        "matched": solution.matched,
        "percent_of_optimum": round(100 * solution.total_units / optimum, 6),
        "proven_optimal": solution.optimal,
        "certified_gap": (solution.upper_bound_units - solution.total_units)
        / solution.upper_bound_units,
        "first_round_gap": first["gap"],
        "first_round_percent_of_optimum": round(100 * first["objective"] / optimum, 6),
        "rounds": solution.stats["rounds"],
    }


def run() -> None:
    code = _code_version()
    load_before = os.getloadavg()
    problem, info = synthetic(MENTEES, MENTORS)

    greedy, greedy_seconds, greedy_rss = _timed(
        mm.greedy, problem, candidates=CANDIDATES
    )
    greedy_cpu = [CPU_SECONDS[-1]]
    exact, exact_seconds, exact_rss = _timed(mm.solve, problem, candidates=CANDIDATES)
    exact_cpu = [CPU_SECONDS[-1]]
    near, near_seconds, near_rss = _timed(
        mm.solve, problem, candidates=CANDIDATES, gap_tolerance=GAP_MAX
    )
    near_cpu = [CPU_SECONDS[-1]]
    # The same again, to see the spread on a shared machine.
    greedy2, greedy_seconds2, _ = _timed(mm.greedy, problem, candidates=CANDIDATES)
    greedy_cpu.append(CPU_SECONDS[-1])
    near2, near_seconds2, _ = _timed(
        mm.solve, problem, candidates=CANDIDATES, gap_tolerance=GAP_MAX
    )
    near_cpu.append(CPU_SECONDS[-1])
    assert greedy2.total_units == greedy.total_units
    assert near2.total_units == near.total_units
    exact_traced = _traced_peak_mb(mm.solve, problem, candidates=CANDIDATES)
    greedy_traced = _traced_peak_mb(mm.greedy, problem, candidates=CANDIDATES)

    if not exact.optimal:
        raise RuntimeError("the solver did not prove its optimum")
    optimum = exact.upper_bound_units
    best_greedy = min(greedy_seconds, greedy_seconds2)
    figures = {
        "optimum": optimum / mm.UNITS,
        "optimum_how": "the certified dual bound over all allowed pairs, "
        "reached by the exact solver",
        "greedy": {
            "seconds": [round(greedy_seconds, 2), round(greedy_seconds2, 2)],
            "cpu_seconds": [round(x, 2) for x in greedy_cpu],
            "seconds_scoring": greedy.stats["seconds_scoring"],
            "total": greedy.total_units / mm.UNITS,
            "matched": greedy.matched,
            "percent_of_optimum": round(100 * greedy.total_units / optimum, 4),
            "rss_growth_mb": greedy_rss,
            "traced_peak_mb": greedy_traced,
        },
        "solver_exact": {
            **_solver_figures(exact, [exact_seconds], optimum),
            "cpu_seconds": [round(x, 2) for x in exact_cpu],
            "rss_growth_mb": exact_rss,
            "traced_peak_mb": exact_traced,
        },
        "solver_within_gap": {
            **_solver_figures(near, [near_seconds, near_seconds2], optimum),
            "cpu_seconds": [round(x, 2) for x in near_cpu],
            "gap_tolerance": GAP_MAX,
            "rss_growth_mb": near_rss,
        },
        "time_ratio_exact_to_greedy": round(exact_seconds / best_greedy, 3),
        "time_ratio_within_gap_to_greedy": round(
            min(near_seconds, near_seconds2) / best_greedy, 3
        ),
        "cpu_ratio_exact_to_greedy": round(min(exact_cpu) / min(greedy_cpu), 3),
        "cpu_ratio_within_gap_to_greedy": round(min(near_cpu) / min(greedy_cpu), 3),
    }
    figures["dense_scipy"] = _dense_reference(MENTEES // 5, MENTORS // 5)
    figures["coverage"] = _coverage_case(MENTEES // 2, MENTORS // 2)
    load_after = os.getloadavg()
    memory = max(exact_rss, exact_traced, near_rss)
    cov = figures["coverage"]
    met = {
        "true optimum, certified from the dual": exact.optimal,
        "within 0.01% of the optimum, certified gap": figures["solver_within_gap"][
            "certified_gap"
        ]
        <= GAP_MAX,
        "exact solver no slower than greedy (CPU time)": figures[
            "cpu_ratio_exact_to_greedy"
        ]
        <= TIME_RATIO_MAX,
        "within-0.01% solver no slower than greedy (CPU time)": figures[
            "cpu_ratio_within_gap_to_greedy"
        ]
        <= TIME_RATIO_MAX,
        "under 1 GB extra memory": memory < MEMORY_MAX_MB,
        "equals SciPy's dense optimum (smaller size)": figures["dense_scipy"]["equal"],
        "most matched first matches more people": cov[mm.MOST_MATCHED]["matched"]
        > cov[mm.BEST_TOTAL]["matched"],
        "most matched first matches more of the fewest-options quarter": cov[
            mm.MOST_MATCHED
        ]["fewest_options_matched"]
        > cov[mm.BEST_TOTAL]["fewest_options_matched"],
    }
    result = {
        "problem": info,
        "candidates": CANDIDATES,
        "figures": figures,
        "load_average": {"before": load_before, "after": load_after},
        "targets": {
            "gap_max": GAP_MAX,
            "time_ratio_max": TIME_RATIO_MAX,
            "memory_max_mb": MEMORY_MAX_MB,
        },
        "met": met,
        "code": code,
    }
    write_result("matching", result, _summary(result))


def _summary(result: dict[str, Any]) -> str:
    f, info = result["figures"], result["problem"]
    g, ex, nr = f["greedy"], f["solver_exact"], f["solver_within_gap"]
    d, cov = f["dense_scipy"], f["coverage"]
    load = result["load_average"]

    def row(label: str, x: dict[str, Any]) -> str:
        secs = " / ".join(f"{t:.2f}" for t in x["seconds"])
        cpu = " / ".join(f"{t:.2f}" for t in x["cpu_seconds"])
        gap = f"{x['certified_gap']:.1e}" if "certified_gap" in x else "none"
        return (
            f"| {label} | {secs} | {cpu} | {x['seconds_scoring']:.2f} | "
            f"{x['total']:,.2f} | "
            f"{x['matched']:,} | {x['percent_of_optimum']:.6f} | "
            f"{gap} | {x['rss_growth_mb']} | "
            f"{x.get('traced_peak_mb', '')} |"
        )

    lines = [
        f"# Benchmark `matching` ({info['mentees']:,} mentees x {info['mentors']:,} "
        "mentors)",
        "",
        f"Capacities 1-5 (total {info['total_capacity']:,}, below demand), "
        f"{info['forbidden_pairs']:,} forbidden pairs, {info['organisations']} "
        "organisations (same-organisation pairs refused), default weights; "
        f"greedy on {result['candidates']} candidates per mentee and 25 per mentor; "
        f"the solver (at this size) on each mentee's {mm.PRICED_CANDIDATES} best by "
        f"score - estimated mentor price and each mentor's {mm.PRICED_PER_MENTOR} "
        "best, after a price estimate from one mentee in "
        f"{mm.PRICE_SAMPLE} (wall {f['solver_exact']['seconds_prices']:.2f} s, "
        "included). Each time "
        "runs from the feature arrays to the assignment, scoring included. Load "
        f"average {load['before'][0]:.2f} before, {load['after'][0]:.2f} after: "
        "others were running test suites on the 2 cores, so compare the ratios "
        "rather than the seconds.",
        code_line(result["code"]),
        "",
        "| method | wall seconds | CPU seconds | of which first scoring (wall) | "
        "total score | matched | % of optimum | certified gap | RSS growth MB | "
        "traced peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        row("greedy (best remaining pair first)", g),
        row("min-cost flow, exact (proven optimal)", ex),
        row("min-cost flow, stopped at a certified gap <= 0.01%", nr),
        "",
        f"Optimum (the certified dual bound over ALL allowed pairs): "
        f"{f['optimum']:,.2f}. Time ratio to greedy (best runs), CPU: exact "
        f"{f['cpu_ratio_exact_to_greedy']:.2f}, within 0.01% "
        f"{f['cpu_ratio_within_gap_to_greedy']:.2f}; wall: exact "
        f"{f['time_ratio_exact_to_greedy']:.2f}, within 0.01% "
        f"{f['time_ratio_within_gap_to_greedy']:.2f}. Greedy reaches "
        f"{g['percent_of_optimum']:.2f}% of the optimum; the flow on the first "
        f"candidate set alone {ex['first_round_percent_of_optimum']:.4f}% (its "
        f"certified gap {ex['first_round_gap']:.1e}).",
        "",
        "Rounds of the exact solver (each: a flow on the arcs so far, the dual, "
        "the certificate, and the pruned pairs that break it added):",
        "",
        "| round | arcs | matched | certified gap | mentees breaking the bound | "
        "mentees rescored | flow s | dual s | certificate s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in ex["rounds"]:
        lines.append(
            f"| {r['round']} | {r['arcs']:,} | {r['matched']:,} | {r['gap']:.1e} | "
            f"{r['mentees_breaking_bound']:,} | {r['mentees_rescored']:,} | "
            f"{r['seconds_flow']:.2f} | {r['seconds_dual']:.2f} | "
            f"{r['seconds_certificate']:.2f} |"
        )
    lines += [
        "",
        f"SciPy's dense exact assignment at {d['mentees']:,} x {d['mentors']:,} "
        f"({d['slots']:,} capacity slots, a {d['scipy_matrix_mb']} MB expanded "
        f"matrix): {d['scipy_seconds']:.2f} s, total {d['scipy_total']:,.2f}; the "
        f"solver: {d['solver_seconds']:.2f} s, total {d['solver_total']:,.2f} "
        f"(equal: {d['equal']}).",
        "",
        f"Capacity below demand with sparse fits ({cov['mentees']:,} x "
        f"{cov['mentors']:,}, capacities 1-3, total {cov['total_capacity']:,}; "
        f"weights {cov['weights']}, so only shared goals count): "
        f"{cov['mentees_with_any_fit']:,} mentees fit at least one mentor; the "
        "hardest to match are taken as the quarter with the fewest mentors who fit "
        f"at all ({cov['fewest_options_quarter']:,} mentees, at most "
        f"{cov['fewest_options_max']} mentors each).",
        "",
        "| mode | matched | fewest-options quarter matched | total score | "
        "proven optimal | rounds | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, label in (
        (mm.BEST_TOTAL, "best total fit"),
        (mm.MOST_MATCHED, "most people matched first"),
    ):
        c = cov[mode]
        lines.append(
            f"| {label} | {c['matched']:,} | {c['fewest_options_matched']:,} | "
            f"{c['total']:,.2f} | {c['optimal']} | "
            f"{c['rounds']} | {c['seconds']:.2f} |"
        )
    lines += [
        "",
        f"Best total fit leaves out {cov['left_out_by_best_total']:,} mentees who "
        f"fit someone; most-matched-first matches "
        f"{cov['of_those_matched_by_most_matched']:,} of them (of the "
        f"{cov['left_out_fewest_options']:,} among them in the fewest-options "
        f"quarter: {cov['of_those_matched_by_most_matched_fewest_options']:,}), "
        f"and leaves out {cov['matched_by_best_total_only']:,} whom best total fit "
        "matched.",
        "",
        "Targets:",
    ]
    for key, ok in result["met"].items():
        lines.append(f"- {key}: {'met' if ok else 'NOT met'}")
    return "\n".join(lines)
