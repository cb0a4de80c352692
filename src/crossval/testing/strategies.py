"""Hypothesis strategies for clinical-trial data and for papers that report on it.

For crossval's own property tests and for users who test code that consumes
survival data, binomial counts, contingency tables or claims files. The
strategies lean towards the inputs that break statistics code: heavy ties,
heavy and total censoring, a group with one subject, events at the last time,
times that differ only by floating-point noise, collinear and separated
covariates, ``x = 0`` and ``x = n``, zero cells and empty margins.

``hypothesis`` is a development dependency of crossval, not a runtime one:
``import crossval`` never imports this module, and importing it without
hypothesis raises an ``ImportError`` that says how to install it.

Public strategies (all return ``hypothesis.strategies.SearchStrategy``):

- :func:`survival_data` -> :class:`SurvivalData`
- :func:`binomial_counts` -> ``(x, n)``
- :func:`contingency_tables` -> ``list[list[int]]``
- :func:`trial_specs` -> :class:`TrialSpec`; :func:`trial_summaries` ->
  :class:`TrialSummary` (a consistent paper as a claims document);
  :func:`perturbed_summaries` -> :class:`Perturbation` (one planted error).

The paper generator also runs without hypothesis's engine
(:func:`random_trial_spec`), so ``benchmarks/audit_detection.py`` can draw
papers from an ordinary seeded random number generator. The reported figures
are computed independently of ``crossval.stats`` (scipy and closed forms), so
an audit of a generated paper checks crossval against another implementation,
not against itself. See docs/property-testing.md.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - hypothesis is a dev dependency
    raise ImportError(
        "crossval.testing.strategies needs hypothesis: pip install 'crossval[dev]' "
        f"(or pip install hypothesis); {exc}"
    ) from None

__all__ = [
    "CI_METHODS",
    "PERTURBATIONS",
    "TABLE_TESTS",
    "Characteristic",
    "Perturbation",
    "SurvivalData",
    "TrialSpec",
    "TrialSummary",
    "binomial_counts",
    "build_summary",
    "contingency_tables",
    "format_p",
    "format_percent",
    "perturb",
    "perturbed_summaries",
    "random_trial_spec",
    "reference_interval",
    "reference_table_p",
    "survival_data",
    "trial_specs",
    "trial_summaries",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Rows up to this many are drawn value by value, so hypothesis can shrink each
# one; larger data sets come from a drawn seed (hypothesis's buffer would
# overflow long before thousands of rows).
_ELEMENTWISE_MAX_ROWS = 40

#: How the event times of :func:`survival_data` are laid out.
TIME_PATTERNS = ("continuous", "few-ties", "heavy-ties", "grid", "noise", "with-zero")
#: Kinds of covariate column :func:`survival_data` can add.
COVARIATE_KINDS = ("binary", "continuous", "integer", "collinear", "separated")


# ---------------------------------------------------------------- survival data


@dataclass(frozen=True)
class SurvivalData:
    """Right-censored survival data with optional groups, strata and covariates.

    ``time`` is non-negative and finite, ``event`` holds 0 (censored) and 1
    (event). ``group`` and ``strata`` are integer labels (``None`` when not
    asked for). ``covariates`` maps ``x1``, ``x2``... to float columns in
    drawing order. ``features`` names what the draw contains (for example
    ``"heavy-ties"``, ``"all-censored"``, ``"one-subject-group"``,
    ``"collinear"``), so a test can ``hypothesis.event`` on them or skip
    designs a method cannot fit.
    """

    time: FloatArray
    event: IntArray
    group: IntArray | None = None
    strata: IntArray | None = None
    covariates: Mapping[str, FloatArray] = field(default_factory=dict)
    features: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return int(self.time.size)

    @property
    def n_events(self) -> int:
        """The number of events."""
        return int(self.event.sum())

    def covariate_matrix(self) -> FloatArray:
        """The covariates as an n x p array, columns in ``covariates`` order."""
        if not self.covariates:
            return np.zeros((len(self), 0))
        return np.column_stack(list(self.covariates.values()))


def _noisy(values: FloatArray, wiggle: NDArray[np.int64]) -> FloatArray:
    """``values`` moved by a few units in the last place (what unit conversions leave)."""
    out = values.copy()
    for k in range(int(np.abs(wiggle).max(initial=0))):
        step = np.where(np.abs(wiggle) > k, np.sign(wiggle), 0.0)
        out = np.where(step != 0, np.nextafter(out, out + step), out)
    return out


def _times_from_seed(rng: np.random.Generator, n: int, pattern: str) -> FloatArray:
    if pattern == "continuous":
        return np.round(rng.exponential(100.0, n), int(rng.integers(0, 8)))
    if pattern == "few-ties":
        return rng.integers(1, max(2, n // 2) + 1, n).astype(np.float64)
    if pattern == "heavy-ties":
        return rng.integers(1, int(rng.integers(1, 5)) + 1, n).astype(np.float64)
    if pattern == "grid":
        return rng.integers(0, 60, n).astype(np.float64) * 0.5
    if pattern == "noise":
        base = rng.integers(1, 10, n).astype(np.float64) / 3.0 * 3.0
        return _noisy(base, rng.integers(-3, 4, n))
    # with-zero: events and censorings at time 0 among ordinary times
    t = rng.integers(0, 6, n).astype(np.float64)
    t[: max(1, n // 5)] = 0.0
    return t


def _times_elementwise(draw: st.DrawFn, n: int, pattern: str) -> FloatArray:
    if pattern == "continuous":
        values = draw(st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=n, max_size=n))
        return np.asarray(values, dtype=np.float64)
    if pattern in ("few-ties", "heavy-ties", "with-zero"):
        top = {"few-ties": max(1, n // 2), "heavy-ties": 3, "with-zero": 4}[pattern]
        low = 0 if pattern == "with-zero" else 1
        ints = draw(st.lists(st.integers(low, top), min_size=n, max_size=n))
        return np.asarray(ints, dtype=np.float64)
    if pattern == "grid":
        ints = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))
        return np.asarray(ints, dtype=np.float64) * 0.5
    base = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    wiggle = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    # x / 3 * 3 and a few ulps: equal on paper, not in binary
    return _noisy(np.asarray(base, dtype=np.float64) / 3.0 * 3.0, np.asarray(wiggle))


def _labels(
    draw: st.DrawFn, rng: np.random.Generator | None, n: int, k: int, name: str,
    features: set[str], allow_singleton: bool,
) -> IntArray:
    if rng is None:
        labels = np.asarray(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    else:
        labels = rng.integers(0, k, n)
    labels = labels.astype(np.int64)
    if n >= k:
        labels[:k] = np.arange(k)  # every label present
    if allow_singleton and k >= 2 and n > k and draw(st.booleans()):
        # one subject in the last group: risk sets of size 1 and a group whose
        # curve is a single step
        labels = np.minimum(labels, k - 2)
        labels[int(draw(st.integers(0, n - 1)))] = k - 1
        features.add(f"one-subject-{name}")
    return labels


def _covariate(
    draw: st.DrawFn, rng: np.random.Generator | None, kind: str, n: int,
    event: IntArray, previous: list[FloatArray],
) -> FloatArray:
    if kind == "collinear" and previous:
        a = draw(st.sampled_from([-2.0, -1.0, 0.5, 1.0, 3.0]))
        b = draw(st.sampled_from([0.0, 1.0, -2.5]))
        return a * previous[0] + b
    if kind == "separated":
        # the covariate equals the event indicator: every subject who dies has
        # the largest value in its risk set, so the likelihood is monotone
        return event.astype(np.float64)
    if rng is not None:
        if kind == "binary" or kind == "collinear":
            return rng.integers(0, 2, n).astype(np.float64)
        if kind == "integer":
            return rng.integers(0, 5, n).astype(np.float64)
        return np.round(rng.normal(0.0, 1.0, n), 6)
    if kind == "binary" or kind == "collinear":
        return np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=np.float64)
    if kind == "integer":
        ints = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
        return np.asarray(ints, dtype=np.float64)
    values = draw(st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=n, max_size=n))
    return np.asarray(values, dtype=np.float64)


@st.composite
def survival_data(
    draw: st.DrawFn,
    *,
    min_rows: int = 1,
    max_rows: int = 60,
    groups: tuple[int, int] | None = None,
    strata: tuple[int, int] | None = None,
    covariates: tuple[int, int] = (0, 0),
    covariate_kinds: Sequence[str] = ("binary", "continuous", "integer"),
    min_events: int = 0,
    time_patterns: Sequence[str] = TIME_PATTERNS,
) -> SurvivalData:
    """Survival data sets of ``min_rows``..``max_rows`` rows (``max_rows`` may be thousands).

    ``groups`` / ``strata`` give a range for the number of labels (``None``:
    no such column); ``covariates`` a range for the number of covariate
    columns, each of a kind from ``covariate_kinds`` (``COVARIATE_KINDS``;
    ``"collinear"`` repeats the first column linearly, ``"separated"`` makes the
    likelihood monotone). ``min_events`` guarantees that many events (0 allows
    total censoring). Time layouts are drawn from ``time_patterns``
    (``TIME_PATTERNS``): distinct times, few or heavy ties, a half-unit grid,
    times equal up to floating-point noise (``x / 3 * 3`` and a few ulps), and
    times at 0. Censoring runs from none to total, and the last time may be
    forced to be an event.
    """
    if min_rows < 1 or max_rows < min_rows:
        raise ValueError(f"need 1 <= min_rows <= max_rows; got {min_rows}, {max_rows}")
    unknown = set(covariate_kinds) - set(COVARIATE_KINDS)
    if unknown:
        raise ValueError(f"covariate_kinds: unknown {sorted(unknown)}; known {COVARIATE_KINDS}")
    features: set[str] = set()
    # every requested group must be present, so there are at least that many rows
    least = max(min_rows, min_events, groups[0] if groups else 1)
    n = draw(st.integers(least, max(max_rows, least)))
    pattern = draw(st.sampled_from(list(time_patterns)))
    features.add(pattern)
    rng: np.random.Generator | None = None
    if n > _ELEMENTWISE_MAX_ROWS:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        features.add("large")
    time = _times_from_seed(rng, n, pattern) if rng is not None else _times_elementwise(
        draw, n, pattern)

    # censoring level 0 = no censoring ... 10 = every subject censored
    level = draw(st.integers(0, 10))
    if rng is not None:
        u = rng.integers(0, 10, n)
    else:
        u = np.asarray(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)))
    event = (u >= level).astype(np.int64)
    if draw(st.booleans()):
        event[time == time.max()] = 1
        features.add("event-at-last-time")
    if event.sum() < min_events:
        event[np.argsort(time, kind="stable")[: min_events]] = 1
    if event.sum() == 0:
        features.add("all-censored")
    elif event.sum() == n:
        features.add("no-censoring")
    elif event.sum() <= n // 4:
        features.add("heavy-censoring")

    group = None
    if groups is not None:
        k = draw(st.integers(groups[0], max(groups[0], min(groups[1], n))))
        group = _labels(draw, rng, n, k, "group", features, allow_singleton=True)
    strat = None
    if strata is not None:
        k = draw(st.integers(strata[0], strata[1]))
        strat = _labels(draw, rng, n, k, "stratum", features, allow_singleton=False)

    cols: dict[str, FloatArray] = {}
    p = draw(st.integers(covariates[0], covariates[1]))
    kinds = list(covariate_kinds)
    for j in range(p):
        pool = [k for k in kinds if k != "collinear" or cols]
        kind = draw(st.sampled_from(pool))
        if kind in ("collinear", "separated"):
            features.add(kind)
        cols[f"x{j + 1}"] = _covariate(draw, rng, kind, n, event, list(cols.values()))
    return SurvivalData(
        time=time, event=event, group=group, strata=strat, covariates=cols,
        features=frozenset(features),
    )


# ------------------------------------------------------------- binomial counts


@st.composite
def binomial_counts(draw: st.DrawFn, *, max_n: int = 10**6) -> tuple[int, int]:
    """``(x, n)`` with ``0 <= x <= n``, ``1 <= n <= max_n``.

    Boundary cases come often: ``n = 1``, ``x = 0``, ``x = n``, ``x = 1``,
    ``x = n - 1`` and ``x`` near ``n / 2``; ``n`` spans small, moderate and
    (up to ``max_n``) very large samples.
    """
    if max_n < 1:
        raise ValueError(f"max_n must be >= 1; got {max_n}")
    n = draw(st.one_of(
        st.just(1),
        st.integers(1, min(30, max_n)),
        st.integers(1, min(2000, max_n)),
        st.integers(1, max_n),
    ))
    x = draw(st.one_of(
        st.sampled_from(sorted({0, n, min(1, n), max(n - 1, 0)})),
        st.integers(0, n),
        st.integers(max(0, n // 2 - 2), min(n, n // 2 + 2)),
    ))
    return x, n


# ---------------------------------------------------------- contingency tables


@st.composite
def contingency_tables(
    draw: st.DrawFn,
    *,
    min_rows: int = 2,
    max_rows: int = 5,
    min_cols: int = 2,
    max_cols: int = 5,
    max_count: int = 10**6,
    max_total: int | None = None,
    zero_margins: bool = True,
) -> list[list[int]]:
    """r x c tables of non-negative counts (2 x 2 up to 5 x 5 by default).

    Cells are drawn on a scale chosen per table (0-3, 0-20, 0-200 or up to
    ``max_count``), with zero cells common; ``zero_margins`` allows empty rows
    and columns, including an all-zero table. ``max_total`` caps the grand
    total (cells are scaled down to fit), e.g. for exact r x c tests.
    """
    r = draw(st.integers(min_rows, max_rows))
    c = draw(st.integers(min_cols, max_cols))
    top = draw(st.sampled_from(sorted({3, 20, 200, max_count})))
    top = min(top, max_count)
    cells = draw(st.lists(
        st.one_of(st.just(0), st.integers(0, top)), min_size=r * c, max_size=r * c))
    table = np.asarray(cells, dtype=np.int64).reshape(r, c)
    if zero_margins and draw(st.booleans()):
        if draw(st.booleans()):
            table[draw(st.integers(0, r - 1)), :] = 0
        else:
            table[:, draw(st.integers(0, c - 1))] = 0
    if max_total is not None and table.sum() > max_total:
        table = table * max_total // int(table.sum())
    return [[int(v) for v in row] for row in table]


# ------------------------------------------------ reported figures, as printed


#: Binomial CI methods a generated paper may state (the audit's vocabulary).
CI_METHODS: tuple[str, ...] = (
    "clopper-pearson", "wilson", "wilson-cc", "agresti-coull", "jeffreys", "wald", "mid-p",
)
#: Tests a generated paper may state for a table's p-value.
TABLE_TESTS: tuple[str, ...] = ("fisher", "chi-square", "chi-square-yates", "g-test")
ROUNDINGS = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN}


def _round_text(value: Fraction | float, decimals: int, rounding: str) -> str:
    exact = (Decimal(value.numerator) / Decimal(value.denominator)
             if isinstance(value, Fraction) else Decimal(float(value)))
    return str(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDINGS[rounding]))


def format_percent(value: Fraction | float, decimals: int, rounding: str = "half-up") -> str:
    """A percentage as printed, without ``%``: ``Fraction(100 * 17, 50)`` -> ``"34.0"``."""
    return _round_text(value, decimals, rounding)


def format_p(p: float, style: str = "3dp", rounding: str = "half-up") -> str:
    """A p-value as papers print it.

    ``3dp``: ``"P = 0.034"``, ``"P < 0.001"``; ``2sig``: two significant
    digits, ``"P = 0.0012"``, ``"P < 0.0001"``; ``2dp``: ``"P = 0.03"``,
    ``"P < 0.01"``. Values that would print as 1 are printed as such.
    """
    if style == "3dp":
        return "P < 0.001" if p < 0.0005 else f"P = {_round_text(p, 3, rounding)}"
    if style == "2dp":
        return "P < 0.01" if p < 0.005 else f"P = {_round_text(p, 2, rounding)}"
    if style == "2sig":
        if p < 0.0001:
            return "P < 0.0001"
        decimals = max(2, 1 - math.floor(math.log10(p)))
        return f"P = {_round_text(p, decimals, rounding)}"
    raise ValueError(f"style={style!r}; choose '3dp', '2dp' or '2sig'")


def reference_interval(
    x: int, n: int, method: str, conf_level: float = 0.95
) -> tuple[float, float]:
    """A binomial CI in percent, computed independently of ``crossval.stats.binomial``.

    The definitions are R's (``binom.test``; ``prop.test`` with and without
    continuity correction, whose correction is ``min(0.5, |x - n/2|)``) and
    Brown, Cai & DasGupta (2001) for Agresti-Coull, Jeffreys and Wald; mid-p
    is solved with scipy's ``brentq``.
    """
    from scipy import optimize, stats

    alpha = (1.0 - conf_level) / 2.0
    z = float(stats.norm.ppf(1.0 - alpha))
    if method == "clopper-pearson":
        lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha, x, n - x + 1))
        hi = 1.0 if x == n else float(stats.beta.isf(alpha, x + 1, n - x))
    elif method == "jeffreys":
        lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha, x + 0.5, n - x + 0.5))
        hi = 1.0 if x == n else float(stats.beta.isf(alpha, x + 0.5, n - x + 0.5))
    elif method in ("wilson", "wilson-cc"):
        cc = min(0.5, abs(x - n * 0.5)) if method == "wilson-cc" else 0.0
        lo, hi = _score_interval(x, n, z, cc)
    elif method == "agresti-coull":
        nt = n + z * z
        pt = (x + z * z / 2.0) / nt
        half = z * math.sqrt(pt * (1.0 - pt) / nt)
        lo, hi = max(0.0, pt - half), min(1.0, pt + half)
    elif method == "wald":
        p = x / n
        half = z * math.sqrt(p * (1.0 - p) / n)
        lo, hi = max(0.0, p - half), min(1.0, p + half)
    elif method == "mid-p":
        def upper_tail(q: float) -> float:
            return float(stats.binom.sf(x, n, q) + 0.5 * stats.binom.pmf(x, n, q) - alpha)

        def lower_tail(q: float) -> float:
            return float(stats.binom.cdf(x - 1, n, q) + 0.5 * stats.binom.pmf(x, n, q) - alpha)

        tiny = 1e-300
        lo = 0.0 if x == 0 else float(optimize.brentq(upper_tail, tiny, 1.0 - 1e-16,
                                                      xtol=1e-300, rtol=1e-15))
        hi = 1.0 if x == n else float(optimize.brentq(lower_tail, tiny, 1.0 - 1e-16,
                                                      xtol=1e-300, rtol=1e-15))
    else:
        raise ValueError(f"method={method!r}; choose one of {', '.join(CI_METHODS)}")
    return 100.0 * lo, 100.0 * hi


def _score_interval(x: int, n: int, z: float, cc: float) -> tuple[float, float]:
    # prop.test's one-sample interval, term for term
    est = x / n
    z22n = z * z / (2.0 * n)
    pc = est + cc / n
    hi = 1.0 if pc >= 1 else (pc + z22n + z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (
        1 + 2 * z22n)
    pc = est - cc / n
    lo = 0.0 if pc <= 0 else (pc + z22n - z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (
        1 + 2 * z22n)
    return max(lo, 0.0), min(hi, 1.0)


def reference_table_p(table: Sequence[Sequence[int]], test: str) -> float:
    """A table's p-value from scipy (independent of ``crossval.stats.contingency``).

    Empty rows and columns are dropped first, as the audit does. ``fisher``
    is defined here for 2 x 2 tables only; ``chi-square-yates`` too.
    """
    from scipy import stats

    arr = np.asarray(table, dtype=np.int64)
    arr = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"table {table} has fewer than two non-empty rows or columns")
    if test == "fisher":
        if arr.shape != (2, 2):
            raise ValueError("reference_table_p computes Fisher's test for 2 x 2 tables only")
        return float(stats.fisher_exact(arr).pvalue)
    if test == "chi-square-yates":
        if arr.shape != (2, 2):
            raise ValueError("Yates's correction applies to 2 x 2 tables only")
        return float(stats.chi2_contingency(arr, correction=True).pvalue)
    if test == "chi-square":
        return float(stats.chi2_contingency(arr, correction=False).pvalue)
    if test == "g-test":
        return float(stats.chi2_contingency(arr, correction=False,
                                            lambda_="log-likelihood").pvalue)
    raise ValueError(f"test={test!r}; choose one of {', '.join(TABLE_TESTS)}")


# ------------------------------------------------------------- trial summaries


@dataclass(frozen=True)
class Characteristic:
    """A baseline characteristic of Table 1: level names, counts per arm, the test stated."""

    name: str
    levels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # one row per arm, one column per level
    test: str


@dataclass(frozen=True)
class TrialSpec:
    """Everything that decides a generated paper; :func:`build_summary` prints it.

    ``arms`` are ``(name, n, responders)``; the response rate is reported as a
    count with its percentage and as a proportion with a CI by ``ci_method``
    at ``conf_level`` percent. ``log_hr`` and ``se_log_hr`` give the hazard
    ratio, its Wald CI and p. ``decimals`` (percentages and their CIs),
    ``rounding`` (``half-up`` / ``half-even``), ``hr_decimals`` and
    ``p_style`` (see :func:`format_p`) are the paper's printing habits.
    """

    arms: tuple[tuple[str, int, int], ...]
    ci_method: str
    conf_level: int
    decimals: int
    rounding: str
    characteristics: tuple[Characteristic, ...]
    log_hr: float
    se_log_hr: float
    hr_decimals: int
    p_style: str


@dataclass(frozen=True)
class TrialSummary:
    """A generated paper: its spec and the claims document (docs/claims-format.md).

    Every figure in ``document`` is printed consistently from ``spec``, so an
    audit of it should find nothing wrong. ``to_yaml()`` gives the claims-file
    text (figures quoted, as the format requires).
    """

    spec: TrialSpec
    document: Mapping[str, Any]

    def to_yaml(self) -> str:
        """The claims file as YAML text."""
        import yaml

        return str(yaml.safe_dump(_plain(self.document), sort_keys=False, allow_unicode=True))

    def claim(self, claim_id: str) -> Mapping[str, Any]:
        """The claim with this id."""
        for c in self.document["claims"]:
            if c["id"] == claim_id:
                return dict(c)
        raise KeyError(claim_id)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_ARM_NAMES = ("experimental", "control", "third")
_LEVEL_SETS = (
    ("Male", "Female"),
    ("0", "1", "2"),
    ("Never", "Former", "Current"),
    ("Adenocarcinoma", "Squamous", "Other", "Unknown"),
    ("Yes", "No"),
)
_CHAR_NAMES = ("Sex", "ECOG", "Smoking", "Histology", "Brain metastases")
# Group sizes papers often have, whose percentages are often whole numbers
_ROUND_SIZES = (20, 25, 40, 50, 60, 75, 80, 100, 120, 150, 200, 250, 300, 400, 500)


def _split(total: int, parts: int, weights: Sequence[float]) -> tuple[int, ...]:
    """``total`` split into ``parts`` non-negative counts roughly by ``weights``."""
    w = np.asarray(weights[:parts], dtype=float) + 1e-9
    raw = np.floor(total * w / w.sum()).astype(int)
    raw[int(np.argmax(w))] += total - int(raw.sum())
    return tuple(int(v) for v in raw)


def _allowed_tests(n_levels: int, n_arms: int) -> list[str]:
    if n_levels == 2 and n_arms == 2:
        return list(TABLE_TESTS)
    return ["chi-square", "g-test"]


def _usable_table(counts: Sequence[Sequence[int]]) -> bool:
    arr = np.asarray(counts)
    return bool((arr.sum(axis=0) > 0).sum() >= 2 and (arr.sum(axis=1) > 0).sum() >= 2)


def _arm_choices(max_arms: int) -> list[int]:
    if max_arms not in (2, 3):
        raise ValueError(f"max_arms must be 2 or 3; got {max_arms!r}")
    return [2, 2, 2, 3] if max_arms == 3 else [2]


@st.composite
def trial_specs(draw: st.DrawFn, *, max_n: int = 600, max_arms: int = 3) -> TrialSpec:
    """Specs of two- or three-arm trials (see :class:`TrialSpec`), arms of 5..``max_n``."""
    n_arms = draw(st.sampled_from(_arm_choices(max_arms)))
    arms = []
    for i in range(n_arms):
        n = draw(st.one_of(st.sampled_from([s for s in _ROUND_SIZES if s <= max_n]),
                           st.integers(5, max_n)))
        x = draw(st.one_of(st.integers(0, n), st.sampled_from([0, n, 1, n // 2])))
        arms.append((_ARM_NAMES[i], n, x))
    chars = []
    for j in range(draw(st.integers(2, 3))):
        levels = _LEVEL_SETS[(j * 2 + draw(st.integers(0, 4))) % len(_LEVEL_SETS)]
        rows = []
        for _, n, _x in arms:
            weights = draw(st.lists(st.floats(0.0, 1.0), min_size=len(levels),
                                    max_size=len(levels)))
            rows.append(_split(n, len(levels), weights))
        assume(_usable_table(rows))
        test = draw(st.sampled_from(_allowed_tests(len(levels), n_arms)))
        chars.append(Characteristic(_CHAR_NAMES[j], levels, tuple(rows), test))
    return TrialSpec(
        arms=tuple(arms),
        ci_method=draw(st.sampled_from(CI_METHODS)),
        conf_level=draw(st.sampled_from([95, 95, 90, 99])),
        decimals=draw(st.sampled_from([1, 1, 0, 2])),
        rounding=draw(st.sampled_from(sorted(ROUNDINGS))),
        characteristics=tuple(chars),
        log_hr=draw(st.floats(-1.5, 1.0)),
        se_log_hr=draw(st.floats(0.05, 0.6)),
        hr_decimals=draw(st.sampled_from([2, 2, 3])),
        p_style=draw(st.sampled_from(["3dp", "2sig", "2dp"])),
    )


def random_trial_spec(rng: random.Random, *, max_n: int = 600, max_arms: int = 3) -> TrialSpec:
    """A :class:`TrialSpec` from an ordinary random number generator (no hypothesis engine).

    Same space as :func:`trial_specs`, drawn uniformly rather than steered
    towards boundaries, for rate estimates such as benchmarks/audit_detection.py.
    """
    n_arms = rng.choice(_arm_choices(max_arms))
    arms = []
    for i in range(n_arms):
        n = rng.choice([s for s in _ROUND_SIZES if s <= max_n]) if rng.random() < 0.5 \
            else rng.randint(5, max_n)
        x = rng.randint(0, n)
        arms.append((_ARM_NAMES[i], n, x))
    chars = []
    for j in range(rng.randint(2, 3)):
        levels = _LEVEL_SETS[(j * 2 + rng.randint(0, 4)) % len(_LEVEL_SETS)]
        while True:
            rows = [_split(n, len(levels), [rng.random() for _ in levels]) for _, n, _ in arms]
            if _usable_table(rows):
                break
        chars.append(Characteristic(_CHAR_NAMES[j], levels, tuple(rows),
                                    rng.choice(_allowed_tests(len(levels), n_arms))))
    return TrialSpec(
        arms=tuple(arms),
        ci_method=rng.choice(CI_METHODS),
        conf_level=rng.choice([95, 95, 90, 99]),
        decimals=rng.choice([1, 1, 0, 2]),
        rounding=rng.choice(sorted(ROUNDINGS)),
        characteristics=tuple(chars),
        log_hr=rng.uniform(-1.5, 1.0),
        se_log_hr=rng.uniform(0.05, 0.6),
        hr_decimals=rng.choice([2, 2, 3]),
        p_style=rng.choice(["3dp", "2sig", "2dp"]),
    )


def _cell(count: int, n: int, spec: TrialSpec) -> str:
    return f"{count} ({format_percent(Fraction(100 * count, n), spec.decimals, spec.rounding)})"


def _hr_figures(spec: TrialSpec) -> tuple[str, str, str, str]:
    from scipy import stats

    z = float(stats.norm.ppf(0.975))
    b, se = spec.log_hr, spec.se_log_hr
    d = spec.hr_decimals
    p = float(2.0 * stats.norm.sf(abs(b) / se))
    return (_round_text(math.exp(b), d, spec.rounding),
            _round_text(math.exp(b - z * se), d, spec.rounding),
            _round_text(math.exp(b + z * se), d, spec.rounding),
            format_p(p, spec.p_style, spec.rounding))


def build_summary(spec: TrialSpec) -> TrialSummary:
    """Print a :class:`TrialSpec` as a consistent claims document.

    Claims: per arm a ``count`` (``resp-<arm>``) and a ``proportion-ci``
    (``orr-<arm>``); per characteristic a ``categorical`` Table 1 row
    (``t1-<k>``) and its ``p-value`` (``t1-<k>-p``); a ``hazard-ratio``
    (``hr-os``) and its ``hr-reduction`` (``hr-os-reduction``).
    """
    groups = [{"name": name, "n": str(n), "label": f"{name} arm"} for name, n, _ in spec.arms]
    claims: list[dict[str, Any]] = []
    for name, n, x in spec.arms:
        pct = format_percent(Fraction(100 * x, n), spec.decimals, spec.rounding)
        claims.append({
            "id": f"resp-{name}", "type": "count",
            "location": {"section": "Results", "detail": f"responders, {name} arm"},
            "count": str(x), "percent": pct, "denominator": name,
        })
        lo, hi = reference_interval(x, n, spec.ci_method, spec.conf_level / 100.0)
        claims.append({
            "id": f"orr-{name}", "type": "proportion-ci",
            "location": {"section": "Results", "detail": f"objective response, {name} arm"},
            "count": str(x), "percent": pct, "denominator": name,
            "ci": [_round_text(lo, spec.decimals, spec.rounding),
                   _round_text(hi, spec.decimals, spec.rounding)],
            "method": spec.ci_method, "conf_level": str(spec.conf_level),
        })
    for k, char in enumerate(spec.characteristics, start=1):
        levels = []
        for j, level in enumerate(char.levels):
            cells = {name: _cell(char.counts[i][j], n, spec)
                     for i, (name, n, _) in enumerate(spec.arms)}
            levels.append({"level": level, "cells": cells})
        loc = {"section": "Table 1", "table": "Table 1", "row": char.name}
        claims.append({"id": f"t1-{k}", "type": "categorical", "location": dict(loc),
                       "characteristic": char.name, "levels": levels})
        p = reference_table_p(char.counts, char.test)
        claims.append({"id": f"t1-{k}-p", "type": "p-value", "location": dict(loc),
                       "p": format_p(p, spec.p_style, spec.rounding), "test": char.test,
                       "table_from": f"t1-{k}"})
    hr, lo_text, hi_text, p_text = _hr_figures(spec)
    claims.append({"id": "hr-os", "type": "hazard-ratio",
                   "location": {"section": "Results", "detail": "overall survival"},
                   "hr": hr, "ci": [lo_text, hi_text], "p": p_text})
    if Decimal(hr) < 1:
        # "a 26% reduction in the risk of death" is printed only for HR < 1
        reduction = Fraction(Decimal(1) - Decimal(hr)) * 100
        claims.append({"id": "hr-os-reduction", "type": "hr-reduction",
                       "location": {"section": "Abstract"},
                       "percent": _round_text(reduction, max(0, spec.hr_decimals - 2),
                                              "half-up"),
                       "hr_from": "hr-os"})
    document = {
        "schema_version": 1,
        "paper": {"short_name": "GEN", "title": "A generated two-arm trial report"},
        "groups": groups,
        "claims": claims,
    }
    return TrialSummary(spec=spec, document=document)


def trial_summaries(*, max_n: int = 600, max_arms: int = 3) -> st.SearchStrategy[TrialSummary]:
    """Consistent generated papers (see :func:`build_summary`)."""
    return trial_specs(max_n=max_n, max_arms=max_arms).map(build_summary)


# ---------------------------------------------------------------- perturbations


#: The planted errors :func:`perturb` knows.
PERTURBATIONS: tuple[str, ...] = (
    "wrong-denominator",   # a percentage computed with another arm's n
    "other-method-ci",     # a proportion's CI by another method than the stated one
    "percent-as-count",    # the CI computed from the percentage used as the count
    "digit-typo",          # one digit of a percentage or a CI bound changed
    "swapped-rows",        # the p-values of two Table 1 rows exchanged
    "other-test-p",        # a table's p from another test than the stated one
)


@dataclass(frozen=True)
class Perturbation:
    """One planted error in a generated paper.

    ``document`` is the paper with the error; ``targets`` the ids of the
    claims whose figures changed (each must fail, every other claim must keep
    its status); ``expect`` maps each target to phrases of which at least one
    must appear in its finding's message (the explanation the audit owes);
    ``reproduced_by`` optionally names what the finding's
    ``details["reproduced_by"]`` must include.
    """

    kind: str
    summary: TrialSummary
    document: Mapping[str, Any]
    targets: tuple[str, ...]
    expect: Mapping[str, tuple[str, ...]]
    description: str
    reproduced_by: Mapping[str, str] = field(default_factory=dict)

    def to_yaml(self) -> str:
        """The perturbed claims file as YAML text."""
        return replace(self.summary, document=self.document).to_yaml()


def _with_claim(document: Mapping[str, Any], claim_id: str, **changes: Any) -> dict[str, Any]:
    doc = _plain(document)
    for c in doc["claims"]:
        if c["id"] == claim_id:
            c.update(changes)
    return dict(doc)


def _units_apart(a: float, b: float, decimals: int) -> float:
    return abs(a - b) / 10.0 ** -decimals


def _far(interval: tuple[float, float], other: tuple[float, float], decimals: int) -> bool:
    """Far enough that no rounding (once, twice, at a boundary) can make them print alike."""
    return max(_units_apart(interval[0], other[0], decimals),
               _units_apart(interval[1], other[1], decimals)) > 1.5


def _wrong_denominator(s: TrialSummary, choice: int) -> Perturbation | None:
    spec = s.spec
    options = []
    for name, n, x in spec.arms:
        for other, m, _ in spec.arms:
            if other != name and x <= m:
                wrong = Fraction(100 * x, m)
                if _units_apart(float(wrong), 100 * x / n, spec.decimals) > 1.5:
                    options.append((name, other, m, wrong))
    if not options:
        return None
    name, other, m, wrong = options[choice % len(options)]
    cid = f"resp-{name}"
    text = format_percent(wrong, spec.decimals, spec.rounding)
    return Perturbation(
        kind="wrong-denominator", summary=s,
        document=_with_claim(s.document, cid, percent=text), targets=(cid,),
        expect={cid: (f"the denominator of {other} arm (n = {m}) was used",)},
        description=f"{cid}: percentage {text} computed with the {other} arm's n = {m}",
    )


def _other_method_ci(s: TrialSummary, choice: int) -> Perturbation | None:
    spec = s.spec
    level = spec.conf_level / 100.0
    options = []
    for name, n, x in spec.arms:
        stated = reference_interval(x, n, spec.ci_method, level)
        for method in CI_METHODS:
            if method == spec.ci_method:
                continue
            other = reference_interval(x, n, method, level)
            if _far(other, stated, spec.decimals):
                options.append((name, method, other))
    if not options:
        return None
    name, method, (lo, hi) = options[choice % len(options)]
    cid = f"orr-{name}"
    ci = [_round_text(lo, spec.decimals, spec.rounding), _round_text(hi, spec.decimals,
                                                                      spec.rounding)]
    return Perturbation(
        kind="other-method-ci", summary=s, document=_with_claim(s.document, cid, ci=ci),
        targets=(cid,), expect={cid: (method,)},
        description=f"{cid}: CI {ci} is the {method} interval, stated {spec.ci_method}",
    )


def _percent_as_count(s: TrialSummary, choice: int) -> Perturbation | None:
    spec = s.spec
    level = spec.conf_level / 100.0
    options = []
    for name, n, x in spec.arms:
        pct = Fraction(format_percent(Fraction(100 * x, n), spec.decimals, spec.rounding))
        if pct.denominator != 1 or not 0 <= pct <= n or int(pct) == x:
            continue
        wrong = reference_interval(int(pct), n, spec.ci_method, level)
        if all(_far(wrong, reference_interval(x, n, m, level), spec.decimals)
               for m in CI_METHODS):
            options.append((name, int(pct), wrong))
    if not options:
        return None
    name, count, (lo, hi) = options[choice % len(options)]
    cid = f"orr-{name}"
    ci = [_round_text(lo, spec.decimals, spec.rounding), _round_text(hi, spec.decimals,
                                                                      spec.rounding)]
    return Perturbation(
        kind="percent-as-count", summary=s, document=_with_claim(s.document, cid, ci=ci),
        targets=(cid,), expect={cid: ("used as the count",)},
        description=f"{cid}: CI {ci} computed from {count}/n, the percentage used as the count",
    )


def _typo_variants(text: str) -> list[str]:
    """``text`` with one digit changed (never the leading digit to 0, never a no-op)."""
    out = []
    for i, ch in enumerate(text):
        if not ch.isdigit():
            continue
        for d in "0123456789":
            if d == ch or (d == "0" and i == 0 and len(text) > 1 and text[1] != "."):
                continue
            out.append(text[:i] + d + text[i + 1:])
    return out


def _digit_typo(s: TrialSummary, choice: int) -> Perturbation | None:
    spec = s.spec
    level = spec.conf_level / 100.0
    options: list[tuple[str, dict[str, Any], str, tuple[str, ...]]] = []
    for name, n, x in spec.arms:
        correct = format_percent(Fraction(100 * x, n), spec.decimals, spec.rounding)
        for typo in _typo_variants(correct):
            if _units_apart(float(Decimal(typo)), 100 * x / n, spec.decimals) > 1.5 and \
                    Decimal(typo) <= 100:
                # the finding must show the percentage the count really gives
                options.append((f"resp-{name}", {"percent": typo}, typo,
                                (f"{x}/{n} = ",)))
        claim = s.claim(f"orr-{name}")
        lo_text, hi_text = claim["ci"]
        intervals = [reference_interval(x, n, m, level) for m in CI_METHODS]
        for pos, text in enumerate((lo_text, hi_text)):
            for typo in _typo_variants(text):
                bounds = [lo_text, hi_text]
                bounds[pos] = typo
                new = (float(Decimal(bounds[0])), float(Decimal(bounds[1])))
                if new[0] > new[1] or new[1] > 100:
                    continue
                if all(_far(new, iv, spec.decimals) for iv in intervals):
                    options.append((f"orr-{name}", {"ci": bounds}, " - ".join(bounds),
                                    (f"the stated {spec.ci_method} interval",)))
    if not options:
        return None
    cid, changes, shown, phrases = options[choice % len(options)]
    return Perturbation(
        kind="digit-typo", summary=s, document=_with_claim(s.document, cid, **changes),
        targets=(cid,), expect={cid: phrases},
        description=f"{cid}: digit typo, printed {shown}",
    )


def _table_ps(counts: Sequence[Sequence[int]]) -> list[float]:
    """The p of every test the audit tries on this table."""
    tests = ["chi-square", "g-test"]
    arr = np.asarray(counts)
    reduced = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]
    if reduced.shape == (2, 2):
        tests += ["fisher", "chi-square-yates"]
    out = [reference_table_p(counts, t) for t in tests]
    if reduced.shape != (2, 2):
        # The audit also tries the exact r x c Fisher test, which scipy only
        # approximates by Monte Carlo; crossval's value is used here only to
        # keep a planted error from coinciding with it, never to print a figure.
        from crossval.errors import InputError
        from crossval.stats.contingency import fisher_exact

        try:
            out.append(float(fisher_exact(reduced.tolist()).p_value))
        except InputError:
            pass  # beyond the enumeration limit the audit skips Fisher too
    return out


def _p_range(text: str) -> tuple[float, float]:
    body = text.split(" ", 2)[-1]
    value = Decimal(body)
    if "<" in text:
        return 0.0, float(value)
    decimals = -int(value.as_tuple().exponent)
    half = Decimal(5) * Decimal(10) ** (-decimals - 1)
    return float(value - half), float(value + half)


def _p_reproduces(text: str, p: float) -> bool:
    lo, hi = _p_range(text)
    slack = 1e-9 * max(p, 1e-300)
    return lo - slack <= p <= hi + slack


def _swapped_rows(s: TrialSummary, choice: int) -> Perturbation | None:
    spec = s.spec
    k = len(spec.characteristics)
    options = []
    for a in range(k):
        for b in range(a + 1, k):
            pa = s.claim(f"t1-{a + 1}-p")["p"]
            pb = s.claim(f"t1-{b + 1}-p")["p"]
            ca, cb = spec.characteristics[a].counts, spec.characteristics[b].counts
            ok = (not any(_p_reproduces(pb, p) for p in _table_ps(ca))
                  and not any(_p_reproduces(pa, p) for p in _table_ps(cb)))
            if ok:
                options.append((a + 1, b + 1, pa, pb))
    if not options:
        return None
    a, b, pa, pb = options[choice % len(options)]
    ida, idb = f"t1-{a}-p", f"t1-{b}-p"
    doc = _with_claim(_with_claim(s.document, ida, p=pb), idb, p=pa)
    phrase = ("shifted from another row",)
    return Perturbation(
        kind="swapped-rows", summary=s, document=doc, targets=(ida, idb),
        expect={ida: phrase, idb: phrase},
        description=f"p-values of Table 1 rows {a} and {b} exchanged ({pa} <-> {pb})",
    )


def _other_test_p(s: TrialSummary, choice: int) -> Perturbation | None:
    spec = s.spec
    options = []
    for k, char in enumerate(spec.characteristics, start=1):
        stated_p = reference_table_p(char.counts, char.test)
        for test in _allowed_tests(len(char.levels), len(spec.arms)):
            if test == char.test:
                continue
            try:
                p = reference_table_p(char.counts, test)
            except ValueError:
                continue
            text = format_p(p, spec.p_style, spec.rounding)
            if not _p_reproduces(text, stated_p):
                options.append((k, test, text))
    if not options:
        return None
    k, test, text = options[choice % len(options)]
    cid = f"t1-{k}-p"
    return Perturbation(
        kind="other-test-p", summary=s, document=_with_claim(s.document, cid, p=text),
        targets=(cid,), expect={cid: ("reproduced by",)}, reproduced_by={cid: test},
        description=f"{cid}: {text} is the {test} p, stated {spec.characteristics[k - 1].test}",
    )


_PERTURBERS: dict[str, Callable[[TrialSummary, int], Perturbation | None]] = {
    "wrong-denominator": _wrong_denominator,
    "other-method-ci": _other_method_ci,
    "percent-as-count": _percent_as_count,
    "digit-typo": _digit_typo,
    "swapped-rows": _swapped_rows,
    "other-test-p": _other_test_p,
}


def perturb(summary: TrialSummary, kind: str, choice: int = 0) -> Perturbation | None:
    """Plant one error of ``kind`` (``PERTURBATIONS``) in a generated paper.

    ``choice`` picks among the figures the error can be planted in (modulo
    their number). Only material errors are planted: the wrong figure is at
    least 1.5 units of its last printed digit away from every value that
    would explain it innocently. Returns ``None`` when the paper has no figure
    where this error would be material.
    """
    if kind not in _PERTURBERS:
        raise ValueError(f"kind={kind!r}; choose one of {', '.join(PERTURBATIONS)}")
    return _PERTURBERS[kind](summary, choice)


@st.composite
def perturbed_summaries(
    draw: st.DrawFn, *, kinds: Sequence[str] = PERTURBATIONS, max_n: int = 600,
    max_arms: int = 3,
) -> Perturbation:
    """Generated papers with one planted error of one of ``kinds``."""
    summary = draw(trial_summaries(max_n=max_n, max_arms=max_arms))
    kind = draw(st.sampled_from(list(kinds)))
    result = perturb(summary, kind, draw(st.integers(0, 1000)))
    assume(result is not None)
    assert result is not None
    return result
