"""Cox partial log-likelihood, score vector and information matrix.

The three quantities are exposed separately (``cox_loglik``, ``cox_gradient``,
``cox_information``) so that each can be checked against a hand derivation,
and together (``cox_derivatives``) so that the fitter pays for one pass.
Ties are handled as R's ``coxph`` does:

* ``breslow`` - every death at a tied time sees the whole risk set
  (Breslow 1974; R ``coxfit6.c`` / ``agfit4.c`` with ``method = 0``).
* ``efron`` - the tied deaths leave the risk set in ``d`` equal steps
  (Efron 1977).  With case weights each step carries the *mean* weight of the
  tied deaths, exactly as survival's C code weights them.
* ``exact`` - the discrete (conditional-logistic) likelihood: the denominator
  sums the risk-score products over all subsets of size ``d`` of the risk set
  (R ``coxexact.c`` / ``agexact.c``; SAS ``TIES=DISCRETE``), evaluated with the
  recursion of Gail, Lubin & Rubinstein (1981), Biometrika 68:703-707.

Risk sets are (start, stop] intervals within strata: a row is at risk at an
event time ``t`` when ``start < t <= stop``; right-censored data have no
``start``.  Rows are sorted once; risk-set sums are reverse cumulative sums
within each stratum, minus (for counting-process data) the same sums over rows
that have not yet entered.  All loops are over strata or, for ``exact``, over
tied event times - never over rows.

The likelihood does not depend on a common shift of the covariates, so they are
centred at their weighted means (as ``coxph`` does) for numerical stability;
``time`` values are used as given (``cox_ph`` applies R's ``timefix``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.errors import InputError, InputTypeError
from crossval.stats._validate import (
    as_event_array,
    as_float_array,
    as_label_array,
    check_option,
    check_same_length,
    frozen_array,
    shown,
)

TIES = ("efron", "breslow", "exact")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class CoxDerivatives:
    """Log partial likelihood with its first and (negated) second derivatives at ``beta``."""

    loglik: float
    gradient: FloatArray
    information: FloatArray


@dataclass(frozen=True)
class CoxInputs:
    """Checked Cox model inputs in the caller's row order."""

    time: FloatArray
    event: FloatArray
    x: FloatArray
    names: tuple[str, ...]
    strata: IntArray
    weights: FloatArray
    start: FloatArray | None
    # Without strata or weights the two arrays above are read-only zero-stride
    # views (no memory per row) and the fit skips them.
    stratified: bool = True
    weighted: bool = True


def check_cox_inputs(
    time: Any,
    event: Any,
    covariates: Any,
    *,
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
) -> CoxInputs:
    """Validate the data arguments shared by ``cox_ph`` and the likelihood functions."""
    t = as_float_array("time", time)
    ev = as_event_array("event", event)
    x, names = _covariate_matrix(covariates)
    st = None if start is None else as_float_array("start", start)
    w = None if weights is None else as_float_array("weights", weights)
    lab = None if strata is None else as_label_array("strata", strata)
    check_same_length(time=t, event=ev, covariates=x, strata=lab, weights=w, start=st)
    n = t.size
    if w is None:
        w = np.broadcast_to(np.float64(1.0), (n,))
    elif (w <= 0).any():
        i = int(np.flatnonzero(w <= 0)[0])
        raise InputError(
            f"weights must be > 0 (as in R's coxph); element {i} is {shown(weights[i])}"
        )
    if st is not None and (st >= t).any():
        i = int(np.flatnonzero(st >= t)[0])
        raise InputError(
            f"start must be < time in every row (the interval is (start, time]); "
            f"row {i} has start={shown(st[i])}, time={shown(t[i])}"
        )
    codes = np.broadcast_to(np.intp(0), (n,)) if lab is None else _strata_codes(lab)
    return CoxInputs(t, ev, x, names, codes, w, st, lab is not None, weights is not None)


def _strata_codes(labels: NDArray[Any]) -> IntArray:
    try:
        _, codes = np.unique(labels, return_inverse=True)
    except TypeError:  # mixed label types that cannot be ordered
        _, codes = np.unique(labels.astype(str), return_inverse=True)
    return np.asarray(codes, dtype=np.intp).ravel()


def _covariate_matrix(covariates: Any) -> tuple[FloatArray, tuple[str, ...]]:
    columns = getattr(covariates, "columns", None)
    if columns is not None and not isinstance(covariates, np.ndarray):
        # a data frame (duck-typed: stats/ does not import pandas) keeps its column names
        covariates = {str(c): np.asarray(covariates[c]) for c in columns}
    if isinstance(covariates, Mapping):
        if not covariates:
            raise InputError("covariates is an empty mapping; at least one covariate is needed")
        names = []
        cols = []
        for key, values in covariates.items():
            if not isinstance(key, str):
                raise InputTypeError(
                    f"covariates must map names (str) to arrays; got key {key!r}"
                )
            names.append(key)
            cols.append(as_float_array(f"covariates[{key!r}]", values))
        check_same_length(**{f"covariates[{k!r}]": c for k, c in zip(names, cols, strict=True)})
        return np.column_stack(cols), tuple(names)
    if isinstance(covariates, (str, bytes)) or covariates is None:
        raise InputTypeError(
            "covariates must be a 1-d array, a 2-d (n x p) array or a mapping name -> array; "
            f"got {type(covariates).__name__}"
        )
    try:
        arr = np.asarray(covariates)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(f"covariates must be a numeric array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise InputTypeError(f"covariates must hold numbers; got values of dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(
            f"covariates must be 1-d (one covariate) or 2-d (n x p); got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"covariates is empty (shape {arr.shape}); need n rows and p >= 1 columns")
    x = arr.astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise InputError(
            f"covariates must be finite; row {i}, column {j} is {shown(arr[i, j])} "
            "(NaN and infinite values are not allowed)"
        )
    return x, tuple(f"x{j + 1}" for j in range(x.shape[1]))


@dataclass(frozen=True)
class Segments:
    """Right-censored data: rows grouped so that every risk-set sum is a short cumulative sum.

    Rows are sorted by stratum, descending time and, within one time, deaths
    first, so each (stratum, time) block is at most two contiguous segments
    (its deaths, then the rest).  Per-segment sums are one pass over the rows;
    a risk set is then a cumulative sum over segments (a few thousand) rather
    than over rows, and the deaths at a time are one segment's sum.
    """

    start: IntArray  # first sorted row of each segment
    bounds: IntArray  # stratum k occupies segments bounds[k]:bounds[k+1]
    block: NDArray[np.int64]  # (stratum, time) block of each segment; increases along the sort
    group_dead: IntArray  # the segment holding each event time's deaths
    group_end: IntArray  # the last segment of each event time's block


@dataclass(frozen=True)
class RowIndex:
    """Counting-process (start, stop] data: risk sets located row by row."""

    stop: FloatArray
    start: FloatArray
    bounds: IntArray  # stratum k occupies sorted rows bounds[k]:bounds[k+1]
    start_order: IntArray  # the sorted rows re-sorted by stratum, descending start
    key_stop: NDArray[np.int64]  # increases along the sort: (stratum, descending stop)
    key_start: NDArray[np.int64]  # the same scale for start
    group_key: NDArray[np.int64]
    group_entry: IntArray  # end of the start-ordered rows with start >= t; n + 1 if none
    death_rows: IntArray  # sorted positions of the events, grouped by event time


@dataclass(frozen=True)
class RiskSets:
    """Data sorted by stratum and *descending* stop time, with every event time located.

    In this order the rows still at risk by stop time at ``t`` are a prefix of
    the stratum, so each risk-set sum is one forward cumulative sum.  Built once
    per fit by :func:`prepare_risk_sets`; evaluations only do arithmetic on it.
    Right-censored data carry ``segments``, counting-process data ``rows``.
    """

    order: IntArray  # sorted position -> caller's row
    xt: FloatArray  # centred covariates, sorted, one row per covariate (p x n)
    w: FloatArray | None  # sorted case weights; None when every weight is 1
    group_size: IntArray  # d, the number of tied events at the time
    group_time: FloatArray
    group_begin: IntArray  # first row of the group's stratum
    group_hi: IntArray  # end (exclusive) of the rows with stop >= t
    group_wt: FloatArray  # total case weight of the deaths at each event time
    dead_wx: FloatArray  # sum over deaths of w x (p,): the score's numerator
    tied_groups: IntArray  # event times with d > 1
    tied_first: IntArray  # offset of each tied group within the tied deaths
    tied_local: IntArray  # for each tied death, its position in tied_groups
    tied_frac: FloatArray  # k/d of each tied death
    segments: Segments | None
    rows: RowIndex | None

    def weights(self) -> FloatArray:
        """Sorted case weights as an array (ones when unweighted)."""
        return np.ones(self.order.size) if self.w is None else self.w


def prepare_risk_sets(inputs: CoxInputs, *, fix_times: bool = False) -> RiskSets:
    """Sort once within strata and locate every event time's risk set.

    ``fix_times`` applies R's ``aeqSurv`` to right-censored times on the way
    (in sorted order, one pass); counting-process data must be fixed by the
    caller, which also has to check that no interval collapsed.
    """
    if inputs.start is None:
        return _prepare_segments(inputs, fix_times)
    if fix_times:
        raise InputError("fix_times applies to right-censored data only")
    return _prepare_rows(inputs)


def _offsets(sizes: IntArray) -> IntArray:
    """Where each of groups of ``sizes`` members laid end to end begins."""
    return (np.cumsum(sizes) - sizes).astype(np.intp)


def _members(sizes: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Groups of ``sizes`` members laid end to end: offsets, each member's group and rank k.

    The rank counts 0..d-1 within a group of d; k/d is Efron's fraction.
    """
    first = _offsets(sizes)
    group = np.repeat(np.arange(sizes.size, dtype=np.intp), sizes)
    return first, group, np.arange(group.size) - first[group]


def _tied_layout(
    group_size: IntArray,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Tied groups, their offsets, each tied death's group and its Efron fraction k/d."""
    tied_groups = np.flatnonzero(group_size > 1).astype(np.intp)
    sizes = group_size[tied_groups]
    tied_first, tied_local, rank = _members(sizes)
    return tied_groups, tied_first, tied_local, rank / sizes[tied_local]


def _centred(x: FloatArray, order: IntArray, w: FloatArray | None) -> FloatArray:
    """Covariates in sorted order, one contiguous row per covariate, minus their weighted mean."""
    p = x.shape[1]
    xt = np.empty((p, order.size))
    total = float(order.size) if w is None else float(w.sum())
    for j in range(p):
        np.take(x[:, j], order, out=xt[j])
        xt[j] -= (xt[j].sum() if w is None else float(w @ xt[j])) / total
    return xt


def _prepare_segments(inputs: CoxInputs, fix_times: bool) -> RiskSets:
    n = inputs.time.size
    asc = np.argsort(inputs.time)
    ts = inputs.time[asc]
    if fix_times:
        # imported here: timefix is needed only when a fit asks for it
        from crossval.stats.timefix import aeq_sorted_times

        ts = aeq_sorted_times(ts)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new[1:])
    times = ts[new]  # distinct times, ascending
    del ts
    nb = np.int64(times.size)
    # sort key: stratum, then time rank descending, then deaths (0) before the rest (1)
    desc = asc[::-1]
    key = np.subtract(nb, np.cumsum(new, dtype=np.int64)[::-1])
    del new
    key *= 2
    key += inputs.event[desc] == 0
    if inputs.stratified:
        key += inputs.strata[desc].astype(np.int64) * (2 * nb)
    # already ordered up to the interleaving within each time: a stable sort of
    # nearly sorted keys is a short merge of runs
    perm = np.argsort(key, kind="stable")
    order = np.ascontiguousarray(desc[perm], dtype=np.intp)
    del asc, desc
    key = key[perm]
    del perm
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    seg_start = np.flatnonzero(first).astype(np.intp)
    del first
    seg_key = key[seg_start]
    del key
    nseg = seg_start.size
    seg_len = np.diff(np.append(seg_start, n))
    block = seg_key // 2
    stratum = block // nb
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(stratum)) + 1, [nseg])).astype(np.intp)
    group_dead = np.flatnonzero(seg_key % 2 == 0).astype(np.intp)
    nxt = np.minimum(group_dead + 1, nseg - 1)
    group_end = np.where(block[nxt] == block[group_dead], nxt, group_dead).astype(np.intp)
    group_size = seg_len[group_dead].astype(np.intp)
    row_begin = seg_start[bounds[:-1]]
    stratum_index = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))

    w = inputs.weights[order] if inputs.weighted else None
    xt = _centred(inputs.x, order, w)
    segments = Segments(seg_start, bounds, block, group_dead, group_end)
    if w is None:
        group_wt = group_size.astype(np.float64)
        dead_wx = np.array([np.add.reduceat(v, seg_start)[group_dead].sum() for v in xt])
    else:
        group_wt = np.add.reduceat(w, seg_start)[group_dead]
        dead_wx = np.array([np.add.reduceat(v * w, seg_start)[group_dead].sum() for v in xt])
    tied_groups, tied_first, tied_local, tied_frac = _tied_layout(group_size)
    return RiskSets(
        order=order,
        xt=xt,
        w=w,
        group_size=group_size,
        group_time=times[(nb - 1) - block[group_dead] % nb],
        group_begin=row_begin[stratum_index[group_dead]].astype(np.intp),
        group_hi=(seg_start[group_end] + seg_len[group_end]).astype(np.intp),
        group_wt=group_wt,
        dead_wx=dead_wx,
        tied_groups=tied_groups,
        tied_first=tied_first,
        tied_local=tied_local,
        tied_frac=tied_frac,
        segments=segments,
        rows=None,
    )


def _prepare_rows(inputs: CoxInputs) -> RiskSets:
    assert inputs.start is not None
    n = inputs.time.size
    if not inputs.stratified:
        order = np.argsort(-inputs.time).astype(np.intp)
        strata = np.zeros(n, dtype=np.intp)
    else:
        order = np.lexsort((-inputs.time, inputs.strata)).astype(np.intp)
        strata = inputs.strata[order]
    stop = inputs.time[order]
    start = inputs.start[order]
    w = inputs.weights[order] if inputs.weighted else None
    xt = _centred(inputs.x, order, w)
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(strata)) + 1, [n])).astype(np.intp)

    tvals = np.unique(np.concatenate((stop, start)))
    width = np.int64(tvals.size + 1)
    base = strata.astype(np.int64) * width
    top_rank = np.int64(tvals.size - 1)
    key_stop = base + (top_rank - np.searchsorted(tvals, stop).astype(np.int64))
    key_start = base + (top_rank - np.searchsorted(tvals, start).astype(np.int64))
    start_order = np.lexsort((-start, strata)).astype(np.intp)

    death_rows = np.flatnonzero(inputs.event[order] == 1).astype(np.intp)
    dkeys = key_stop[death_rows]
    new_group = np.concatenate(([True], dkeys[1:] != dkeys[:-1]))
    group_first = np.flatnonzero(new_group).astype(np.intp)
    group_size = np.diff(np.append(group_first, death_rows.size)).astype(np.intp)
    group_key = dkeys[group_first]

    group_begin = bounds[strata[death_rows[group_first]]]
    group_hi = np.searchsorted(key_stop, group_key, side="right").astype(np.intp)
    # rows with start >= t lead their stratum in start order: key_start <= group key
    entry = np.searchsorted(key_start[start_order], group_key, side="right").astype(np.intp)
    group_entry = np.where(entry <= group_begin, n + 1, entry).astype(np.intp)
    w_dead = np.ones(death_rows.size) if w is None else w[death_rows]
    tied_groups, tied_first, tied_local, tied_frac = _tied_layout(group_size)
    rows = RowIndex(
        stop, start, bounds, start_order, key_stop, key_start, group_key, group_entry, death_rows
    )
    return RiskSets(
        order=order,
        xt=xt,
        w=w,
        group_size=group_size,
        group_time=stop[death_rows[group_first]],
        group_begin=group_begin.astype(np.intp),
        group_hi=group_hi,
        group_wt=np.add.reduceat(w_dead, group_first),
        dead_wx=xt[:, death_rows] @ w_dead,
        tied_groups=tied_groups,
        tied_first=tied_first,
        tied_local=tied_local,
        tied_frac=tied_frac,
        segments=None,
        rows=rows,
    )


def _n_moments(p: int, order: int) -> int:
    return 1 + (p if order >= 1 else 0) + (p * (p + 1) // 2 if order >= 2 else 0)


def _segment_sums(rs: RiskSets, seg: Segments, r: FloatArray, order: int) -> FloatArray:
    """Per-segment sums of [r, r*x, r*x_j*x_k (j <= k)] (c x segments), one row at a time.

    Each product is formed in one reused buffer and summed at once, so the
    c x n matrix of per-row moments never exists.
    """
    p = rs.xt.shape[0]
    out = np.empty((_n_moments(p, order), seg.start.size))
    out[0] = np.add.reduceat(r, seg.start)
    if order >= 1:
        rx = np.multiply(rs.xt, r)
        for j in range(p):
            out[1 + j] = np.add.reduceat(rx[j], seg.start)
        if order >= 2:
            buf = np.empty(r.size)
            iu, ju = np.triu_indices(p)
            for k, (a, b) in enumerate(zip(iu, ju, strict=True)):
                np.multiply(rx[a], rs.xt[b], out=buf)
                out[1 + p + k] = np.add.reduceat(buf, seg.start)
    return out


def _segment_risk_sums(seg: Segments, sums: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Risk-set sums S and death sums D (event times x columns) from per-segment sums.

    The cumulative sums restart in every stratum, so that a small late risk set
    is never the difference of two large totals.
    """
    cum = np.empty_like(sums)
    for a, b in itertools.pairwise(seg.bounds):
        np.cumsum(sums[:, a:b], axis=1, out=cum[:, a:b])
    return np.ascontiguousarray(cum[:, seg.group_end].T), np.ascontiguousarray(
        sums[:, seg.group_dead].T
    )


def _prefix_sums(z: FloatArray, bounds: IntArray) -> FloatArray:
    """Cumulative sums along rows restarted in every stratum: out[:, i + 1] sums rows up to i.

    Column 0 is unused and column n + 1 is a zero column for empty sums.  The
    sums restart per stratum (rather than one global sum being differenced) so
    that a small late risk set is never the difference of two large totals.
    """
    out = np.zeros((z.shape[0], z.shape[1] + 2))
    for a, b in itertools.pairwise(bounds):
        np.cumsum(z[:, a:b], axis=1, out=out[:, a + 1 : b + 1])
    return out


def _moments(rs: RiskSets, r: FloatArray, order: int) -> FloatArray:
    """Per-row rows [r, r*x, r*x_j*x_k (j <= k)] up to the requested order (c x n)."""
    p = rs.xt.shape[0]
    z = np.empty((_n_moments(p, order), r.size))
    z[0] = r
    if order >= 1:
        np.multiply(rs.xt, r, out=z[1 : 1 + p])
        if order >= 2:
            iu, ju = np.triu_indices(p)
            np.multiply(z[1 + iu], rs.xt[ju], out=z[1 + p :])
    return z


def _row_risk_sums(rows: RowIndex, rs: RiskSets, z: FloatArray) -> FloatArray:
    """Risk-set sums (event times x columns) of the rows of ``z``, counting-process data."""
    s = _prefix_sums(z, rows.bounds)[:, rs.group_hi]
    # remove rows whose interval starts at or after t: they have not entered yet
    s = s - _prefix_sums(z[:, rows.start_order], rows.bounds)[:, rows.group_entry]
    return np.ascontiguousarray(s.T)


def _group_sums(
    rs: RiskSets, r: FloatArray, order: int, *, deaths: bool
) -> tuple[FloatArray, FloatArray | None]:
    """Risk-set sums S and (on request) death sums D, event times x moment columns."""
    if rs.segments is not None:
        return _segment_risk_sums(rs.segments, _segment_sums(rs, rs.segments, r, order))
    assert rs.rows is not None
    z = _moments(rs, r, order)
    s = _row_risk_sums(rs.rows, rs, z)
    if not deaths:
        return s, None
    return s, np.add.reduceat(z[:, rs.rows.death_rows], _offsets(rs.group_size), axis=1).T


def _symmetric(upper: FloatArray, p: int) -> FloatArray:
    out = np.zeros((p, p))
    iu, ju = np.triu_indices(p)
    out[iu, ju] = upper
    out[ju, iu] = upper
    return out


def _efron_tied(
    rs: RiskSets, s: FloatArray, dt: FloatArray, p: int, order: int
) -> tuple[float, FloatArray, FloatArray]:
    """Efron terms of the event times with d > 1, summed over their d steps.

    Step k of a time with d deaths has den_k = S0 - f_k D0, f_k = k/d; the
    contributions are -m sum_k log den_k, -m sum_k (S1 - f_k D1)/den_k and
    m sum_k [(S2 - f_k D2)/den_k - (S1 - f_k D1)(S1 - f_k D1)'/den_k^2], with m
    the mean weight of the tied deaths (survival's coxfit6.c / agfit4.c).  The
    sums over k are regrouped by powers of f_k so that the p x p work is per
    event time, not per death.  ``dt`` holds the death sums D of the tied times.
    """
    g = rs.tied_groups
    st = s[g]
    f = rs.tied_frac
    den = st[:, 0][rs.tied_local] - f * dt[:, 0][rs.tied_local]
    buf = np.empty_like(den)

    def total(v: FloatArray) -> FloatArray:
        return np.add.reduceat(v, rs.tied_first)

    m = rs.group_wt[g] / rs.group_size[g]
    loglik = -float(m @ total(np.log(den, out=buf)))
    grad = np.zeros(p)
    info = np.zeros((p, p))
    if order >= 1:
        inv = np.divide(1.0, den, out=den)  # den is not needed again
        a, b = m * total(inv), m * total(np.multiply(f, inv, out=buf))
        s1, d1 = st[:, 1 : 1 + p], dt[:, 1 : 1 + p]
        grad = b @ d1 - a @ s1
        if order >= 2:
            inv2 = np.multiply(inv, inv, out=inv)
            c = m * total(inv2)
            e = m * total(np.multiply(f, inv2, out=buf))
            h = m * total(np.multiply(f * f, inv2, out=buf))
            cross = s1.T @ (d1 * e[:, None])
            info = (
                _symmetric(a @ st[:, 1 + p :] - b @ dt[:, 1 + p :], p)
                - s1.T @ (s1 * c[:, None])
                + cross + cross.T
                - d1.T @ (d1 * h[:, None])
            )
    return loglik, grad, info


def _linear_predictor(rs: RiskSets, beta: FloatArray) -> FloatArray:
    """eta = beta'x in sorted order, one scaled addition per covariate.

    numpy's vector-matrix product for a p x n matrix with small p is several
    times slower than p passes over the rows.
    """
    eta: FloatArray = rs.xt[0] * beta[0]
    for j in range(1, beta.size):
        eta += rs.xt[j] * beta[j]
    return eta


def _relative_risks(rs: RiskSets, beta: FloatArray) -> tuple[FloatArray, float]:
    """exp(eta - max eta) in sorted order, and the shift."""
    eta = _linear_predictor(rs, beta)
    # a common shift of eta cancels between numerator and denominators; it keeps exp finite
    top = float(eta.max())
    eta -= top
    return np.exp(eta, out=eta), top


def _risk_scores(rs: RiskSets, beta: FloatArray) -> tuple[FloatArray, float]:
    """w exp(eta - max eta) in sorted order, and the shift."""
    r, top = _relative_risks(rs, beta)
    if rs.w is not None:
        r *= rs.w
    return r, top


def evaluate(rs: RiskSets, beta: FloatArray, ties: str, order: int = 2) -> CoxDerivatives:
    """Log-likelihood (order 0), score (1) and information (2) at ``beta`` on prepared data.

    An event time with one death, or any event time under Breslow, contributes
    -W log S0, -W S1/S0 and W (S2/S0 - S1 S1'/S0^2) with W the deaths' total
    weight; true ties under Efron or exact are handled separately.
    """
    p = rs.xt.shape[0]
    r, top = _risk_scores(rs, beta)
    efron = ties == "efron" and rs.tied_groups.size > 0
    s, d = _group_sums(rs, r, order, deaths=efron)

    loglik = float(beta @ rs.dead_wx) - top * float(rs.group_wt.sum())
    grad = rs.dead_wx.copy()
    info = np.zeros((p, p))
    wt = rs.group_wt
    if ties != "breslow" and rs.tied_groups.size:
        wt = wt.copy()
        wt[rs.tied_groups] = 0.0

    s0 = s[:, 0]
    loglik -= float(wt @ np.log(s0))
    if order >= 1:
        q = wt / s0
        s1 = s[:, 1 : 1 + p]
        grad -= q @ s1
        if order >= 2:
            # A risk set whose weight underflows gives an infinite entry; the fitter
            # treats a non-finite information as a failed step and halves it.
            with np.errstate(over="ignore", invalid="ignore"):
                info = _symmetric(q @ s[:, 1 + p :], p) - s1.T @ (s1 * (q / s0)[:, None])

    if efron:
        assert d is not None
        ll_t, u_t, i_t = _efron_tied(rs, s, d[rs.tied_groups], p, order)
        loglik += ll_t
        grad += u_t
        info += i_t
    elif ties == "exact":
        shifted = _linear_predictor(rs, beta) - top
        for grp in rs.tied_groups:
            ll_g, u_g, i_g = _exact_term(rs, shifted, int(grp), order)
            loglik += ll_g
            grad += u_g
            info += i_g
    return CoxDerivatives(loglik, grad if order >= 1 else np.zeros(p), info)


def _exact_term(
    rs: RiskSets, eta: FloatArray, grp: int, order: int
) -> tuple[float, FloatArray, FloatArray]:
    """Denominator part of the exact likelihood at one tied time (Gail et al. 1981).

    With prefix sums B_k(m) = sum over k-subsets of the first m risk-set members
    of the product of their risk scores, B_k(m) = B_k(m-1) + r_m B_{k-1}(m-1),
    i.e. B_k = cumsum(r * B_{k-1} shifted by one); the first and second
    derivatives obey the same recursion with the product rule.  Each level is
    divided by its total to avoid overflow; the scale is carried in logs.
    """
    t = rs.group_time[grp]
    idx = np.arange(int(rs.group_begin[grp]), int(rs.group_hi[grp]))
    if rs.rows is not None:
        idx = idx[rs.rows.start[idx] < t]
    nd = int(rs.group_size[grp])
    p = rs.xt.shape[0]
    e = eta[idx]
    top = e.max()
    r = np.exp(e - top)
    x = rs.xt[:, idx].T
    m = idx.size

    b_prev = np.ones(m + 1)
    d_prev = np.zeros((m + 1, p))
    h_prev = np.zeros((m + 1, p, p))
    log_scale = 0.0
    for _ in range(nd):
        b = np.zeros(m + 1)
        b[1:] = np.cumsum(r * b_prev[:-1])
        dv = np.zeros((m + 1, p))
        hv = np.zeros((m + 1, p, p))
        if order >= 1:
            bx = x * b_prev[:-1, None]
            dv[1:] = np.cumsum(r[:, None] * (bx + d_prev[:-1]), axis=0)
            if order >= 2:
                xd = x[:, :, None] * d_prev[:-1, None, :]
                inner = (
                    x[:, :, None] * bx[:, None, :] + xd + np.swapaxes(xd, 1, 2) + h_prev[:-1]
                )
                hv[1:] = np.cumsum(r[:, None, None] * inner, axis=0)
        total = b[m]
        log_scale += float(np.log(total))
        b_prev, d_prev, h_prev = b / total, dv / total, hv / total

    # the numerator (the tied deaths' own eta and x) is already in the caller's sums
    loglik = -(nd * float(top) + log_scale + float(np.log(b_prev[m])))
    grad = np.zeros(p)
    info = np.zeros((p, p))
    if order >= 1:
        mean = d_prev[m] / b_prev[m]
        grad = -mean
        if order >= 2:
            info = h_prev[m] / b_prev[m] - np.outer(mean, mean)
    return loglik, grad, info


def _death_layout(rs: RiskSets) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Sorted rows of the deaths by event time, each death's group and rank in it, offsets."""
    first, group, rank = _members(rs.group_size)
    if rs.rows is not None:
        return rs.rows.death_rows, group, rank, first
    assert rs.segments is not None
    begin = rs.segments.start[rs.segments.group_dead]
    rows = (begin[group] + rank).astype(np.intp)
    return rows, group, rank, first


def _at_risk_groups(rs: RiskSets) -> tuple[IntArray, IntArray]:
    """For every sorted row, the range lo:hi of event-time groups at which it is at risk."""
    if rs.rows is not None:
        # event times at risk for a row: key_stop <= group key < key_start (descending time)
        keys = rs.rows.group_key
        hi = np.searchsorted(keys, rs.rows.key_start, side="left")
        lo = np.searchsorted(keys, rs.rows.key_stop, side="left")
        return lo, hi
    seg = rs.segments
    assert seg is not None
    # blocks increase along the sort; a row is at risk from its own block to its stratum's end
    gblock = seg.block[seg.group_dead]
    last = seg.block[seg.bounds[1:] - 1]
    seg_last = np.repeat(last, np.diff(seg.bounds))
    lengths = np.diff(np.append(seg.start, rs.order.size))
    lo = np.repeat(np.searchsorted(gblock, seg.block, side="left"), lengths)
    hi = np.repeat(np.searchsorted(gblock, seg_last, side="right"), lengths)
    return lo, hi


def score_residuals(rs: RiskSets, beta: FloatArray, ties: str) -> FloatArray:
    """Per-row score residuals (unweighted, caller's order), as R's ``coxscore2.c``/``agscore2.c``.

    For Efron ties with tied-death steps k = 0..d-1 (fraction f = k/d), hazard
    h_k = (mean weight)/den_k and mean a_k: a row at risk but not dying gets
    -r (x H - M) with H = sum h_k, M = sum h_k a_k; a row dying at the time gets
    x - mean(a_k) - r (x H' - M') with H', M' the same sums weighted by (1 - f).
    Breslow is the case f = 0.
    """
    p = rs.xt.shape[0]
    risk, _ = _relative_risks(rs, beta)
    w = rs.weights()
    s, d = _group_sums(rs, w * risk, 1, deaths=True)
    assert d is not None
    rows, g, rank, first = _death_layout(rs)
    dead_wt = np.add.reduceat(w[rows], first)
    frac = rank / rs.group_size[g]
    if ties != "efron":
        frac = np.zeros(g.size)
    step = s[g] - frac[:, None] * d[g]
    den = step[:, 0]
    mean = step[:, 1:] / den[:, None]
    haz = (dead_wt / rs.group_size)[g] / den
    keep = 1.0 - frac

    def per_group(v: FloatArray) -> FloatArray:
        return np.add.reduceat(v, first, axis=0)

    h_all = per_group(haz)
    m_all = per_group(haz[:, None] * mean)
    h_dead = per_group(keep * haz)
    m_dead = per_group((keep * haz)[:, None] * mean)
    a_bar = per_group(mean) / rs.group_size[:, None]

    cum_h = np.concatenate(([0.0], np.cumsum(h_all)))
    cum_m = np.vstack((np.zeros((1, p)), np.cumsum(m_all, axis=0)))
    lo, hi = _at_risk_groups(rs)
    sum_h = cum_h[hi] - cum_h[lo]
    sum_m = cum_m[hi] - cum_m[lo]
    x = rs.xt.T
    resid = -risk[:, None] * (x * sum_h[:, None] - sum_m)

    xd = x[rows]
    resid[rows] += (xd - a_bar[g]) + risk[rows, None] * (
        xd * (h_all - h_dead)[g][:, None] - (m_all - m_dead)[g]
    )
    out = np.empty(resid.shape)
    out[rs.order] = resid
    return out


def check_beta(beta: Any, p: int) -> FloatArray:
    """Coefficients: a number (one covariate) or a 1-d array of length p."""
    arr = np.atleast_1d(np.asarray(beta, dtype=object))
    try:
        values = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"beta must be numbers; got {beta!r}") from None
    if values.ndim != 1 or values.size != p:
        raise InputError(f"beta must have one value per covariate ({p}); got shape {values.shape}")
    if not np.isfinite(values).all():
        raise InputError(f"beta must be finite; got {values.tolist()}")
    return values


def _prepare(
    beta: Any,
    time: Any,
    event: Any,
    covariates: Any,
    ties: str,
    strata: Any,
    weights: Any,
    start: Any,
) -> tuple[RiskSets, FloatArray, str]:
    ties = check_option("ties", ties, TIES)
    inputs = check_cox_inputs(
        time, event, covariates, strata=strata, weights=weights, start=start
    )
    check_exact_weights(ties, inputs.weights)
    check_has_events(inputs.event, "the partial likelihood")
    b = check_beta(beta, inputs.x.shape[1])
    return prepare_risk_sets(inputs), b, ties


def check_has_events(event: FloatArray, what: str) -> None:
    """A Cox likelihood is empty without events; say so instead of returning zeros."""
    if not (event == 1).any():
        raise InputError(f"{what} needs at least one event; event has none")


def check_exact_weights(ties: str, weights: FloatArray) -> None:
    """R's exact method refuses case weights; so does crossval rather than ignore them."""
    if ties == "exact" and (weights != 1).any():
        i = int(np.flatnonzero(weights != 1)[0])
        raise InputError(
            "weights are not supported with ties='exact' (R's coxph refuses them too); "
            f"element {i} of weights is {shown(weights[i])}; use ties='efron' or 'breslow'"
        )


def cox_derivatives(
    beta: Any,
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: str = "efron",
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
) -> CoxDerivatives:
    """Log partial likelihood, score and information at ``beta`` in one pass.

    R equivalent: ``coxph(..., init = beta, iter.max = 0)``: ``loglik[1]``,
    ``colSums(residuals(fit, "score"))`` and ``solve(vcov(fit))``.
    Reference: Cox (1972); Breslow (1974); Efron (1977); Therneau & Grambsch
    (2000), *Modeling Survival Data*, ch. 3 and appendix E.
    """
    rs, b, ties = _prepare(beta, time, event, covariates, ties, strata, weights, start)
    out = evaluate(rs, b, ties, order=2)
    return CoxDerivatives(
        out.loglik, frozen_array(out.gradient), frozen_array(out.information)
    )


def cox_loglik(
    beta: Any,
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: str = "efron",
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
) -> float:
    """Log partial likelihood at ``beta``.

    R equivalent: ``coxph(..., init = beta, iter.max = 0)$loglik[1]``.
    Reference: Cox (1972); Efron (1977); Gail, Lubin & Rubinstein (1981).
    """
    rs, b, ties = _prepare(beta, time, event, covariates, ties, strata, weights, start)
    return evaluate(rs, b, ties, order=0).loglik


def cox_gradient(
    beta: Any,
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: str = "efron",
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
) -> FloatArray:
    """Score vector (gradient of the log partial likelihood) at ``beta``.

    R equivalent: ``colSums(residuals(fit, "score", weighted = TRUE))`` for
    ``fit <- coxph(..., init = beta, iter.max = 0)``.
    Reference: Therneau & Grambsch (2000), section 3.1.
    """
    rs, b, ties = _prepare(beta, time, event, covariates, ties, strata, weights, start)
    return frozen_array(evaluate(rs, b, ties, order=1).gradient)


def cox_information(
    beta: Any,
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: str = "efron",
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
) -> FloatArray:
    """Information matrix (negative Hessian of the log partial likelihood) at ``beta``.

    R equivalent: ``solve(vcov(coxph(..., init = beta, iter.max = 0)))``.
    Reference: Therneau & Grambsch (2000), section 3.1.
    """
    rs, b, ties = _prepare(beta, time, event, covariates, ties, strata, weights, start)
    return frozen_array(evaluate(rs, b, ties, order=2).information)


def cox_score_residuals(
    beta: Any,
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: str = "efron",
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
) -> FloatArray:
    """Unweighted score residuals (n x p) at ``beta``; weighted, their column sums are the score.

    R equivalent: ``residuals(fit, type = "score")`` (``coxscore2.c``,
    ``agscore2.c``); not defined for ``ties='exact'``, as in R.
    Reference: Therneau, Grambsch & Fleming (1990), Biometrika 77:147-160.
    """
    rs, b, ties = _prepare(beta, time, event, covariates, ties, strata, weights, start)
    if ties == "exact":
        raise InputError(
            "score residuals are not defined for ties='exact' (R refuses them too); "
            "choose ties='efron' or 'breslow'"
        )
    return frozen_array(score_residuals(rs, b, ties))
