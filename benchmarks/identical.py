"""Record crossval's results, and later check that a speed change left them alone.

    python benchmarks/identical.py record FILE    # before the change
    python benchmarks/identical.py check FILE     # after it: every number within 1e-12

Covers every case of the reference file; Fisher (2x2, all alternatives, and
r x c), chi-square and G on random tables; binomial intervals for every
method over a grid of (x, n) and random large n; binomial tests; random
data sets with ties, weights, strata and (start, stop] rows for all three tie
methods, the likelihood functions and score residuals at random coefficients,
and the benchmark data at 1e5 and 1e6 rows. Arrays are compared element-wise
relative to the array's largest magnitude, so a score that is ~0 at the
optimum is judged against the terms it is made of. ``iterations`` is reported
but not required to match: it depends on round-off in the log-likelihood.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import make_data

from crossval.compare.reference_cases import load_reference
from crossval.errors import CrossvalError
from crossval.stats import cox_likelihood as cl
from crossval.stats.binomial import METHODS as BINOM_METHODS
from crossval.stats.binomial import binom_ci, binom_test
from crossval.stats.contingency import chi2_test, fisher_exact, g_test
from crossval.stats.cox import cox_ph
from crossval.stats.kaplan_meier import kaplan_meier
from crossval.stats.logrank import logrank

REL = 1e-12
# lrt = 2 (loglik[1] - loglik[0]) is a difference of two large numbers, so it
# carries their absolute round-off: it is judged on the log-likelihood's scale,
# and so is its p-value, which moves with it (|d p / d lrt| <= 1 but for lrt
# near 0 on one df).
SCALE_OF = {"lrt": "loglik", "lrt_p": "loglik"}
BETA = np.array([0.3, -0.2])
INFORMATIONAL = {"iterations"}


def _random(seed: int, n: int, *, weights: bool, strata: bool, start: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    x = np.column_stack((rng.integers(0, 2, n), rng.normal(0, 1, n).round(2)))
    time = rng.integers(1, max(3, n // 8), n).astype(float)
    data: dict[str, Any] = {
        "time": time,
        "event": (rng.random(n) < 0.7).astype(float),
        "covariates": x,
    }
    if weights:
        data["weights"] = rng.uniform(0.5, 2.0, n).round(2)
    if strata:
        data["strata"] = rng.integers(0, 3, n)
    if start:
        data["start"] = np.maximum(time - rng.integers(1, 6, n), 0.0) - 0.5
    return data


def counting_cases() -> Iterator[tuple[str, Callable[[], Any]]]:
    """Fisher, chi-square, G and binomial: reference cases, random tables, interval grids."""
    for case in load_reference().cases:
        if case.function in {"fisher_exact", "chi2_test", "binom_ci", "binom_test"}:
            yield case.id, case.run
    rng = np.random.default_rng(11)
    for i in range(60):
        n = int(rng.choice([12, 60, 150, 600, 2000]))
        table = rng.multinomial(n, rng.dirichlet(np.ones(4))).reshape(2, 2)
        for alternative in ("two-sided", "less", "greater"):
            level = 0.9 if i % 2 else 0.95
            yield f"fisher2x2/{i}/{alternative}", lambda t=table, a=alternative, lv=level: (
                fisher_exact(t, alternative=a, conf_level=lv))
        yield f"chi2/{i}", lambda t=table: chi2_test(t, correction=True)
        yield f"g/{i}", lambda t=table: g_test(t)
    for i in range(12):
        r, c = (2, 3) if i % 3 == 0 else (3, 3) if i % 3 == 1 else (4, 2)
        n = int(rng.choice([20, 60, 120]))
        table = rng.multinomial(n, rng.dirichlet(np.ones(r * c))).reshape(r, c)
        yield f"fisher_rxc/{i}", lambda t=table: fisher_exact(t)
    grid_n = np.repeat(np.arange(1, 121), np.arange(1, 121) + 1)
    grid_x = np.concatenate([np.arange(k + 1) for k in range(1, 121)])
    big_n = rng.integers(1, 10**6, 3000)
    big_x = rng.binomial(big_n, rng.uniform(0, 1, big_n.size))
    for method in BINOM_METHODS:
        for level in (0.95, 0.8):
            yield f"binom_ci/grid/{method}/{level}", lambda m=method, lv=level: binom_ci(
                grid_x, grid_n, method=m, conf_level=lv)
        yield f"binom_ci/big/{method}", lambda m=method: binom_ci(big_x, big_n, method=m)
    for i in range(40):
        nn = int(rng.integers(1, 5000))
        xx = int(rng.integers(0, nn + 1))
        pp = float(rng.choice([0.5, 0.1, 0.73]))
        for alternative in ("two-sided", "less", "greater"):
            yield f"binom_test/{i}/{alternative}", lambda x=xx, n=nn, p=pp, a=alternative: (
                binom_test(x, n, p, alternative=a))


def cases() -> Iterator[tuple[str, Callable[[], Any]]]:
    yield from counting_cases()
    for case in load_reference().cases:
        if case.function in {"kaplan_meier", "logrank", "cox_ph"}:
            yield case.id, case.run
    for seed in range(6):
        for n in (40, 400, 4000):
            for weights in (False, True):
                for strata in (False, True):
                    for start in (False, True):
                        data = _random(seed, n, weights=weights, strata=strata, start=start)
                        tag = f"random/{seed}/{n}/w={weights}/s={strata}/start={start}"
                        methods = ["efron", "breslow"]
                        if not weights and n <= 400:
                            methods.append("exact")
                        for ties in methods:
                            robust = ties != "exact"

                            def fit(d: dict[str, Any] = data, t: str = ties,
                                    rb: bool = robust) -> Any:
                                return cox_ph(**d, ties=t, robust=rb)

                            yield f"{tag}/cox/{ties}", fit
                            for fn in (cl.cox_loglik, cl.cox_gradient, cl.cox_information):

                                def lik(d: dict[str, Any] = data, t: str = ties,
                                        f: Any = fn) -> Any:
                                    return f(BETA, **d, ties=t)

                                yield f"{tag}/{fn.__name__}/{ties}", lik
                            if ties != "exact":

                                def res(d: dict[str, Any] = data, t: str = ties) -> Any:
                                    return cl.cox_score_residuals(BETA, **d, ties=t)

                                yield f"{tag}/score_residuals/{ties}", res
                        if not start:

                            def km(d: dict[str, Any] = data) -> Any:
                                return kaplan_meier(d["time"], d["event"])

                            def lr(d: dict[str, Any] = data) -> Any:
                                return logrank(d["time"], d["event"], d["covariates"][:, 0],
                                               strata=d.get("strata"), rho=0.5)

                            yield f"{tag}/km", km
                            yield f"{tag}/logrank", lr
    for n in (10**5, 10**6):
        d = make_data(n)
        x = np.column_stack((d.group, d.age))
        yield f"bench/{n}/km", lambda d=d: kaplan_meier(d.time, d.event)
        yield f"bench/{n}/logrank", lambda d=d: logrank(d.time, d.event, d.group)
        for ties in ("efron", "breslow"):
            yield f"bench/{n}/cox/{ties}", lambda d=d, x=x, t=ties: cox_ph(
                d.time, d.event, x, ties=t
            )


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return np.array(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return _plain(fn())
    except CrossvalError as exc:
        return f"error: {type(exc).__name__}: {exc}"


def _diff(a: Any, b: Any, where: str, out: list[str]) -> float:
    """Largest relative difference found; mismatches of kind are appended to ``out``."""
    if isinstance(a, dict) and isinstance(b, dict):
        worst = 0.0
        for k in a.keys() | b.keys():
            if k in INFORMATIONAL:
                continue
            if k in SCALE_OF:
                x, y = a.get(k), b.get(k)
                if isinstance(x, float) and isinstance(y, float):
                    scale = max(abs(float(v)) for v in a[SCALE_OF[k]])
                    worst = max(worst, abs(x - y) / scale if math.isfinite(x - y) else
                                _diff(x, y, f"{where}.{k}", out))
                    continue
            worst = max(worst, _diff(a.get(k), b.get(k), f"{where}.{k}", out))
        return worst
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return max([_diff(x, y, f"{where}[{i}]", out) for i, (x, y) in
                    enumerate(zip(a, b, strict=True))], default=0.0)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        x, y = np.asarray(a), np.asarray(b)
        if x.shape != y.shape or x.dtype.kind != y.dtype.kind:
            out.append(f"{where}: shape/dtype {x.shape}/{x.dtype} vs {y.shape}/{y.dtype}")
            return math.inf
        if x.dtype.kind not in "fc":
            if not np.array_equal(x, y):
                out.append(f"{where}: values differ")
                return math.inf
            return 0.0
        same_nan = np.isnan(x) == np.isnan(y)
        if not same_nan.all():
            out.append(f"{where}: NaN pattern differs")
            return math.inf
        ok = ~np.isnan(x)
        x, y = x[ok], y[ok]
        if x.size == 0:
            return 0.0
        inf = np.isinf(x) | np.isinf(y)
        if not np.array_equal(x[inf], y[inf]):
            out.append(f"{where}: infinities differ")
            return math.inf
        x, y = x[~inf], y[~inf]
        if x.size == 0:
            return 0.0
        scale = max(float(np.max(np.abs(x))), float(np.max(np.abs(y))))
        return 0.0 if scale == 0 else float(np.max(np.abs(x - y))) / scale
    if isinstance(a, float) and isinstance(b, float):
        return _diff(np.array([a]), np.array([b]), where, out)
    if a != b:
        out.append(f"{where}: {a!r} != {b!r}")
        return math.inf
    return 0.0


def main(argv: list[str]) -> int:
    mode, path = argv
    if mode == "record":
        results = {cid: _run(fn) for cid, fn in cases()}
        Path(path).write_bytes(pickle.dumps(results))
        print(f"recorded {len(results)} results to {path}")
        return 0
    before = pickle.loads(Path(path).read_bytes())
    worst = 0.0
    failures = 0
    for cid, fn in cases():
        problems: list[str] = []
        d = _diff(before[cid], _run(fn), cid, problems)
        worst = max(worst, d)
        if problems or d > REL:
            failures += 1
            print(f"DIFFERS {cid}: rel {d:.3g} {'; '.join(problems)}")
    print(f"checked {len(before)} results; largest relative difference {worst:.3g}; "
          f"{failures} over {REL:g}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
