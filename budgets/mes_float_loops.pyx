# cython: language_level=3, boundscheck=True, wraparound=False, cdivision=True, initializedcheck=False
"""The float MES run's inner loops, compiled: a project's price bracket and its supporters' payments.

budgets.mes_float_classes says what they compute and why the bounds hold; this is the arithmetic.
A bracket reads a few hundred supporter cells about ten times (sums, Newton steps, checks) and a
purchase moves as many classes: as numpy calls each pass costs more to start than to run, so the
passes are plain C loops here. The bounds hold for any order of summation, so a loop's order is as
good as numpy's. Indexing the arrays passed in is bounds-checked (a bad class id raises
IndexError, as numpy would); the inner loops run over C copies. Built by `make` (Cython);
budgets/mes_float_loops.pyi types it for mypy.
"""

from libc.math cimport fmax, fmin
from libc.stdlib cimport free, malloc

CANNOT_PAY = 0  # the supporters surely hold less than the cost
UNSURE = 1  # the floats cannot tell; the caller falls back to exact arithmetic
PRICED = 2  # a proven bracket

cdef double EPS = 2.0 ** -52
# Newton steps for a price estimate before the run gives up on floats.
cdef int NEWTON_STEPS = 16


cdef struct Cells:
    # The supporters' cells that may hold money: float budget, its error bound, voters, weight, and
    # weight units (voters x weight).
    Py_ssize_t rows
    double* budget
    double* error
    double* counts
    double* weights
    double* units


cdef inline double _due(Cells* c, Py_ssize_t i, double price, bint unit) noexcept nogil:
    return price if unit else c.weights[i] * price


cdef double _paid(Cells* c, double price, bint unit) noexcept nogil:
    """What the supporters pay at this price per weight unit: min(budget, price x weight) each."""
    cdef double total = 0.0
    cdef Py_ssize_t i
    for i in range(c.rows):
        total += c.counts[i] * fmin(c.budget[i], _due(c, i, price, unit))
    return total


cdef double _carried(Cells* c, double price, bint unit, bint* anyone) noexcept nogil:
    """The summed errors of the supporters who might pay all they hold at this price (only their
    errors reach the payments), and whether there is anyone such."""
    cdef double total = 0.0
    cdef double risky
    cdef Py_ssize_t i, found = 0
    for i in range(c.rows):
        risky = c.budget[i] - c.error[i] <= _due(c, i, price, unit) * (1 + 4 * EPS)
        total += risky * (c.error[i] * c.counts[i])
        found += <Py_ssize_t>risky
    anyone[0] = found > 0
    return total


cdef double _rounding(Py_ssize_t terms, double total) noexcept nogil:
    """A bound on the rounding error of a float sum of `terms` non-negative terms near `total`."""
    return (terms + 2) * EPS * total


cdef tuple _bracket(Cells* c, double cost, bint unit):
    cdef Py_ssize_t rows = c.rows, i
    cdef double money = 0.0, noise = 0.0, total_units = 0.0, slack, grow
    cdef double left, remaining, estimate = 0.0, held, units, capped
    cdef double width, low, high, short, over
    cdef bint settled = False, at_risk
    cdef int step
    if rows == 0:
        return CANNOT_PAY, 0.0, 0.0, 0.0, False, 0.0
    for i in range(rows):
        money += c.budget[i] * c.counts[i]
        noise += c.error[i] * c.counts[i]
        total_units += c.units[i]
    grow = 1 + (rows + 2) * EPS
    noise *= grow
    slack = noise + _rounding(rows, money + cost)
    if money + slack < cost:
        return CANNOT_PAY, 0.0, 0.0, 0.0, False, 0.0
    if money - slack <= cost:
        return UNSURE, 0.0, 0.0, 0.0, False, 0.0
    # Newton's method on paid(q) = cost, from below: everyone paying q = cost / units is a lower
    # bound; rows that cannot pay q pay all they hold, the rest share what is left, which raises q.
    left, remaining = cost, total_units
    for step in range(NEWTON_STEPS):
        estimate = left / remaining
        held = 0.0
        units = 0.0
        for i in range(rows):
            capped = (c.budget[i] if unit else c.budget[i] / c.weights[i]) < estimate
            held += capped * (c.budget[i] * c.counts[i])
            units += capped * c.units[i]
        left = cost - held
        remaining = total_units - units
        if left <= 0 or remaining <= 0:
            return UNSURE, 0.0, 0.0, 0.0, False, 0.0
        if left / remaining <= estimate:
            settled = True
            break
    if not settled:
        return UNSURE, 0.0, 0.0, 0.0, False, 0.0
    width = 2 * (_carried(c, estimate, unit, &at_risk) * grow + _rounding(rows, cost)) / remaining
    width += 4 * EPS * estimate
    for step in range(2):
        low = max(estimate - width, 0.0)
        high = estimate + width
        # Fewer supporters might pay all they hold at the lower price: one bound serves both ends.
        noise = _carried(c, high, unit, &at_risk) * grow
        short = _paid(c, low, unit)
        over = _paid(c, high, unit)
        if short + noise + _rounding(rows, short + cost) < cost < over - noise - _rounding(rows, over + cost):
            return PRICED, low, high, estimate, not at_risk, total_units
        width *= 64
    return UNSURE, 0.0, 0.0, 0.0, False, 0.0


def price_bracket(
    const double[::1] budget,
    const double[::1] error,
    const Py_ssize_t[::1] classes,
    const Py_ssize_t[::1] weights,
    const double[::1] counts,
    double cost,
    bint unit,
):
    """(outcome, low, high, estimate, everyone_pays, units) for the cells of `classes` (their weights
    and counts), each class's float budget within its `error` of the exact one; see
    budgets.mes_float_classes.bracket. `outcome` is CANNOT_PAY, UNSURE or PRICED; the rest is
    meaningful for PRICED only: the bracket [low, high], the estimate inside it, whether no
    supporter with money might pay all of it (then the exact price is cost / units) and the
    supporters' weight units."""
    cdef Py_ssize_t n = classes.shape[0], i, kept = 0
    cdef double held, err
    cdef Cells c
    cdef double* block = <double*>malloc((5 * n + 1) * sizeof(double))
    if block == NULL:
        raise MemoryError()
    c.budget, c.error, c.counts = block, block + n, block + 2 * n
    c.weights, c.units = block + 3 * n, block + 4 * n
    try:
        for i in range(n):
            held, err = budget[classes[i]], error[classes[i]]
            if held + err > 0:  # the others surely hold nothing and pay nothing
                c.budget[kept], c.error[kept] = held, err
                c.counts[kept], c.weights[kept] = counts[i], <double>weights[i]
                c.units[kept] = counts[i] if unit else counts[i] * c.weights[kept]
                kept += 1
        c.rows = kept
        return _bracket(&c, cost, unit)
    finally:
        free(block)


def pay(
    double[::1] budget,
    double[::1] error,
    const Py_ssize_t[::1] old,
    const Py_ssize_t[::1] weights,
    Py_ssize_t first,
    double estimate,
    double low,
    double high,
):
    """Write the classes a purchase makes: class first + i holds what class old[i] held after paying
    weights[i] x the price (bracket [low, high], `estimate` inside it), never below zero, with the
    error bound grown by the bracket's width and the subtraction's rounding. A class that surely
    pays all it holds is left with exactly zero and no error."""
    cdef Py_ssize_t i
    cdef double held, err, charge, weight
    for i in range(old.shape[0]):
        held, err, weight = budget[old[i]], error[old[i]], <double>weights[i]
        if (held + err) * (1 + 4 * EPS) < weight * low * (1 - 4 * EPS):
            budget[first + i] = 0.0
            error[first + i] = 0.0
        else:
            charge = weight * estimate
            budget[first + i] = fmax(held - charge, 0.0)
            error[first + i] = (err + weight * (high - low) + EPS * (held + charge)) * (1 + 4 * EPS)
