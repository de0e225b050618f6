# cython: language_level=3, boundscheck=True, wraparound=False, cdivision=True, initializedcheck=False
"""The float MES run's rounds, compiled: its classes' float budgets, the price brackets, the search
for a round's cheapest project and the purchases' payments; and two loops beside them, the trie's
count of a project's supporters into cells (budgets.mes_prefix) and the range proof's bounds on
budgets (budgets.mes_float_certify).

budgets.mes_float_classes says what a bracket computes and why its bounds hold, and
budgets.mes_float how a run uses them; this is the arithmetic and the bookkeeping. A round reads a
few projects' supporter cells about ten times each (sums, Newton steps, checks): as Python and numpy
calls each step cost more to start than to run, so the passes, the heap of lower bounds on the
projects' rhos and the round's choice are plain C here. The bounds hold for any order of
summation. Every class id is checked against the arrays before they are read (IndexError, as numpy
would). Built by `make` (Cython); budgets/mes_float_loops.pyi types it for mypy.
"""

from fractions import Fraction

import numpy as np

from libc.math cimport INFINITY, fmax
from libc.stdlib cimport free, malloc, qsort, realloc

cdef enum:
    CANNOT_PAY  # the supporters surely hold less than the cost
    UNSURE  # the floats cannot tell; the caller falls back to exact arithmetic
    PRICED  # a proven bracket

cdef double EPS = 2.0 ** -52
# Newton steps for a price estimate before the run gives up on floats.
cdef int NEWTON_STEPS = 16


class Unsure(Exception):
    """A decision the float bounds cannot prove; the caller falls back to the exact engine."""


cdef struct Cells:
    # The supporters' cells that may hold money: float budget, its error bound, voters, weight, and
    # weight units (voters x weight).
    Py_ssize_t rows
    double* budget
    double* error
    double* counts
    double* weights
    double* units


cdef struct Bracket:
    int outcome
    double low, high, estimate, units
    bint everyone_pays


cdef inline double fmin(double a, double b) noexcept nogil:
    """The smaller of two numbers that are never NaN (inline, where libm's fmin is a call)."""
    return a if a < b else b


cdef inline double _due(Cells* c, Py_ssize_t i, double price, bint unit) noexcept nogil:
    return price if unit else c.weights[i] * price


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


cdef struct Source:
    # A project's supporters' cells as the caller holds them: each cell's class, weight and voters,
    # and every class's float budget and error bound.
    const double* budget
    const double* error
    const Py_ssize_t* classes
    const Py_ssize_t* weights
    const double* counts
    Py_ssize_t n


cdef Py_ssize_t _money(Source* s, double* money, double* noise) noexcept nogil:
    """The supporters' money and the sum of its errors over the cells whose class may hold money
    (budget plus error positive; the others surely pay nothing); returns how many cells those are.
    One pass that only reads: many projects a run checks turn out unaffordable, and stop here."""
    cdef Py_ssize_t i, kept = 0
    cdef double held, err
    cdef bint holds
    money[0] = noise[0] = 0.0
    for i in range(s.n):
        held, err = s.budget[s.classes[i]], s.error[s.classes[i]]
        holds = held + err > 0
        money[0] += holds * (held * s.counts[i])
        noise[0] += holds * (err * s.counts[i])
        kept += holds
    return kept


cdef double _gather(Source* s, bint unit, Cells* c) noexcept nogil:
    """Copy the cells whose class may hold money into `c`; returns their weight units."""
    cdef Py_ssize_t i, kept = 0
    cdef double held, err, units, total = 0.0
    cdef bint holds
    # Without branches: every cell is written at the next free row, which moves on only when the
    # class may hold money.
    for i in range(s.n):
        held, err = s.budget[s.classes[i]], s.error[s.classes[i]]
        holds = held + err > 0
        units = s.counts[i] if unit else s.counts[i] * <double>s.weights[i]
        c.budget[kept], c.error[kept] = held, err
        c.counts[kept], c.weights[kept], c.units[kept] = s.counts[i], <double>s.weights[i], units
        total += holds * units
        kept += holds
    c.rows = kept
    return total


cdef void _bracket(Source* s, Cells* c, double cost, bint unit, Bracket* out) noexcept nogil:
    """The bracket of budgets.mes_float_classes.bracket for the cells of `s`; `c` is room for a
    copy of them (s.n rows)."""
    cdef Py_ssize_t rows, i
    cdef double money, noise, total_units, slack, grow
    cdef double left, remaining, estimate = 0.0, held, units, capped, due
    cdef double width, low, high, short, over
    cdef bint settled = False, at_risk, risky
    cdef int step
    out.outcome = UNSURE
    rows = _money(s, &money, &noise)
    if rows == 0:
        out.outcome = CANNOT_PAY
        return
    grow = 1 + (rows + 2) * EPS
    noise *= grow
    slack = noise + _rounding(rows, money + cost)
    if money + slack < cost:
        out.outcome = CANNOT_PAY
        return
    if money - slack <= cost:
        return
    total_units = _gather(s, unit, c)
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
            return
        if left / remaining <= estimate:
            settled = True
            break
    if not settled:
        return
    width = 2 * (_carried(c, estimate, unit, &at_risk) * grow + _rounding(rows, cost)) / remaining
    width += 4 * EPS * estimate
    for step in range(2):
        low = max(estimate - width, 0.0)
        high = estimate + width
        # One pass: the payments at both ends, and the errors of the rows that might pay all they
        # hold at the higher price (fewer might at the lower one: one bound serves both ends).
        noise = 0.0
        short = 0.0
        over = 0.0
        at_risk = False
        for i in range(rows):
            due = _due(c, i, high, unit)
            risky = c.budget[i] - c.error[i] <= due * (1 + 4 * EPS)
            noise += risky * (c.error[i] * c.counts[i])
            at_risk = at_risk or risky
            short += c.counts[i] * fmin(c.budget[i], _due(c, i, low, unit))
            over += c.counts[i] * fmin(c.budget[i], due)
        noise *= grow
        if short + noise + _rounding(rows, short + cost) < cost < over - noise - _rounding(rows, over + cost):
            out.outcome = PRICED
            out.low, out.high, out.estimate = low, high, estimate
            out.everyone_pays, out.units = not at_risk, total_units
            return
        width *= 64


cdef class Price:
    """A proven bracket [low, high] for a project's price per weight unit and the float estimate
    inside it; `exact` is the exact price when every supporter with money surely pays the price
    rather than all they hold (then it is the cost over their weight units: near-ties between such
    projects are settled exactly), else None."""

    cdef readonly double low, high, estimate
    cdef object cost
    cdef double units
    cdef bint everyone_pays

    def __init__(self, double low, double high, double estimate, cost, double units, bint everyone_pays):
        self.low, self.high, self.estimate = low, high, estimate
        self.cost, self.units, self.everyone_pays = cost, units, everyone_pays

    @property
    def exact(self):
        return Fraction(self.cost, round(self.units)) if self.everyone_pays else None

    def rho(self, scale):
        """Proven bounds on the rho this price gives a project with this utility scale."""
        return _rho_low(self.low, scale), _rho_high(self.high, scale)


cdef inline double _rho_low(double low, double scale) noexcept nogil:
    return low / scale * (1 - 2 * EPS)


cdef inline double _rho_high(double high, double scale) noexcept nogil:
    return high / scale * (1 + 2 * EPS)


cdef Price _price_of(Bracket* b, cost):
    return Price(b.low, b.high, b.estimate, cost, b.units, b.everyone_pays)


def price_bracket(
    const double[::1] budget,
    const double[::1] error,
    const Py_ssize_t[::1] classes,
    const Py_ssize_t[::1] weights,
    const double[::1] counts,
    cost,
    bint unit,
):
    """The proven Price for the cells of `classes` (their weights and counts), each class's float
    budget within its `error` of the exact one; None when they surely cannot pay; raises Unsure when
    the floats cannot tell. See budgets.mes_float_classes.bracket."""
    cdef Py_ssize_t n = classes.shape[0], i
    cdef Source s
    cdef Cells c
    cdef Bracket b
    if weights.shape[0] != n or counts.shape[0] != n or error.shape[0] != budget.shape[0]:
        raise ValueError("classes, weights and counts differ in length")
    for i in range(n):
        if not 0 <= classes[i] < budget.shape[0]:
            raise IndexError(f"class {classes[i]} is outside the budgets")
    cdef double* block = <double*>malloc((5 * n + 1) * sizeof(double))
    if block == NULL:
        raise MemoryError()
    c.budget, c.error, c.counts = block, block + n, block + 2 * n
    c.weights, c.units = block + 3 * n, block + 4 * n
    s.n = n
    if n:  # the classes were checked against the budgets, so these hold at least one
        s.budget, s.error = &budget[0], &error[0]
        s.classes, s.weights, s.counts = &classes[0], &weights[0], &counts[0]
    try:
        _bracket(&s, &c, float(cost), unit, &b)
    finally:
        free(block)
    if b.outcome == CANNOT_PAY:
        return None
    if b.outcome == UNSURE:
        raise Unsure
    return _price_of(&b, cost)


def range_price(
    const double[::1] budget,
    const double[::1] error,
    const Py_ssize_t[::1] classes,
    const Py_ssize_t[::1] weights,
    const double[::1] counts,
    bint chosen,
    double shift,
    double top,
    cost,
    bint unit,
):
    """price_bracket for cells whose budgets are bounds over a range of levels, made from one run's
    classes (budgets.mes_float_certify): for the chosen project lower bounds, each class's budget
    less its error plus `shift` where that is positive, else 0; for a competitor upper bounds, its
    budget plus its error less `shift`, at least 0. Each carries an error of 8 EPS (budget + top)
    (none for a chosen cell at 0). Indexing is bounds-checked here, and price_bracket checks the rest."""
    cdef Py_ssize_t n = classes.shape[0], i
    cdef double held
    bounds = np.empty(n, dtype=np.float64)
    errors = np.empty(n, dtype=np.float64)
    cdef double[::1] low = bounds
    cdef double[::1] err = errors
    for i in range(n):
        if chosen:
            held = budget[classes[i]] - error[classes[i]]
            low[i] = held + shift if held > 0 else 0.0
            err[i] = 8 * EPS * (low[i] + top) if low[i] > 0 else 0.0
        else:
            low[i] = max(budget[classes[i]] + error[classes[i]] - shift, 0.0)
            err[i] = 8 * EPS * (low[i] + top)
    return price_bracket(bounds, errors, np.arange(n), weights, counts, cost, unit)


cpdef void pay(
    double[::1] budget,
    double[::1] error,
    const Py_ssize_t[::1] old,
    const Py_ssize_t[::1] weights,
    Py_ssize_t first,
    double estimate,
    double low,
    double high,
) except *:
    """Write the classes a purchase makes: class first + i holds what class old[i] held after paying
    weights[i] x the price (bracket [low, high], `estimate` inside it), never below zero, with the
    error bound grown by the bracket's width and the subtraction's rounding. A class that surely
    pays all it holds is left with exactly zero and no error."""
    cdef Py_ssize_t i
    cdef double held, err, charge, weight
    if weights.shape[0] != old.shape[0]:
        raise ValueError("old and weights differ in length")
    for i in range(old.shape[0]):
        held, err, weight = budget[old[i]], error[old[i]], <double>weights[i]
        if (held + err) * (1 + 4 * EPS) < weight * low * (1 - 4 * EPS):
            budget[first + i] = 0.0
            error[first + i] = 0.0
        else:
            charge = weight * estimate
            budget[first + i] = fmax(held - charge, 0.0)
            error[first + i] = (err + weight * (high - low) + EPS * (held + charge)) * (1 + 4 * EPS)


cdef struct Keyed:
    Py_ssize_t key, index


cdef int _by_key(const void* a, const void* b) noexcept nogil:
    cdef const Keyed* x = <const Keyed*>a
    cdef const Keyed* y = <const Keyed*>b
    if x.key != y.key:
        return -1 if x.key < y.key else 1
    return -1 if x.index < y.index else (1 if x.index > y.index else 0)


def count_cells(
    const Py_ssize_t[::1] type_class,
    const Py_ssize_t[::1] supporters,
    const double[::1] many,
    const Py_ssize_t[::1] weights,
    Py_ssize_t width,
    Py_ssize_t size,
    bint unit,
):
    """A project's supporting types at a trie node (budgets.mes_prefix) as cells: the distinct cell
    keys in increasing order (a type's key is its class x `width` + its weight; its class for unit
    weights; every key below `size`), each type's index among them, and how many voters each cell
    holds: numpy's unique with return_inverse and a bincount, in one pass over a few dozen types
    where those calls would cost more to start than to run. Keys are numbered in a table where
    `size` is not far above the number of types, else sorted."""
    cdef Py_ssize_t n = supporters.shape[0], i, j, key, found = 0
    if many.shape[0] != n or weights.shape[0] != n:
        raise ValueError("supporters, many and weights differ in length")
    inverse_array = np.empty(n, dtype=np.intp)
    distinct_array = np.empty(n, dtype=np.intp)
    cdef Py_ssize_t[::1] inverse = inverse_array
    cdef Py_ssize_t[::1] distinct = distinct_array
    cdef Keyed* order = <Keyed*>malloc(n * sizeof(Keyed) + 1)
    cdef Py_ssize_t* table = NULL
    cdef Keyed item
    if order == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            key = type_class[supporters[i]]
            if not unit:
                key = key * width + weights[i]
            if not 0 <= key < size:
                raise IndexError(f"cell key {key} is outside 0..{size - 1}")
            order[i].key, order[i].index = key, i
        if size <= 64 * n:
            # A table over all keys: mark those present, number them in order, look each one up.
            table = <Py_ssize_t*>malloc(size * sizeof(Py_ssize_t) + 1)
            if table == NULL:
                raise MemoryError()
            for j in range(size):
                table[j] = -1
            for i in range(n):
                table[order[i].key] = 0
            for j in range(size):
                if table[j] == 0:
                    table[j] = found
                    distinct[found] = j
                    found += 1
            for i in range(n):
                inverse[i] = table[order[i].key]
        else:
            # Sorted by key: by insertion for a few dozen types, else by qsort.
            if n <= 32:
                for i in range(1, n):
                    item = order[i]
                    j = i - 1
                    while j >= 0 and _by_key(&order[j], &item) > 0:
                        order[j + 1] = order[j]
                        j -= 1
                    order[j + 1] = item
            else:
                qsort(order, n, sizeof(Keyed), _by_key)
            for i in range(n):
                if i == 0 or order[i].key != order[i - 1].key:
                    distinct[found] = order[i].key
                    found += 1
                inverse[order[i].index] = found - 1
    finally:
        free(order)
        free(table)
    counts_array = np.zeros(found, dtype=np.float64)
    cdef double[::1] counts = counts_array
    for i in range(n):
        counts[inverse[i]] += many[i]
    return distinct_array[:found], inverse_array, counts_array


cdef class CellBlock:
    """A project's supporters' cells at one trie node as arrays (class, weight, voters), checked
    once: kept on the node (budgets.mes_prefix) and read by every run that passes it."""

    cdef readonly object classes, weights, counts
    cdef const Py_ssize_t[::1] _classes
    cdef const Py_ssize_t[::1] _weights
    cdef const double[::1] _counts
    cdef Py_ssize_t rows, top

    def __init__(self, classes, weights, counts):
        cdef Py_ssize_t i
        self.classes, self.weights, self.counts = classes, weights, counts
        self._classes, self._weights, self._counts = classes, weights, counts
        self.rows = self._classes.shape[0]
        if self._weights.shape[0] != self.rows or self._counts.shape[0] != self.rows:
            raise ValueError("classes, weights and counts differ in length")
        self.top = -1
        for i in range(self.rows):
            if self._classes[i] < 0:
                raise IndexError(f"class {self._classes[i]} is outside the budgets")
            self.top = max(self.top, self._classes[i])


cdef struct Entry:
    # A lower bound on a live project's rho, on the heap.
    double low
    Py_ssize_t project


cdef struct Fresh:
    # A project priced in this round: proven bounds on its rho, and its bracket.
    double low, high
    Py_ssize_t project
    Bracket bracket


cdef inline bint _before(Entry a, Entry b) noexcept nogil:
    """Heap order: as Python compares (low, project) tuples."""
    return a.low < b.low or (a.low == b.low and a.project < b.project)


cdef inline bint _ahead(Fresh* a, Fresh* b) noexcept nogil:
    """The round's order of priced projects: as Python compares (high, low, project) tuples."""
    if a.high != b.high:
        return a.high < b.high
    if a.low != b.low:
        return a.low < b.low
    return a.project < b.project


cdef class FloatClasses:
    """One float run's budget classes (each float budget within `error` of the exact one), where it
    stands in the trie, and its rounds' search: a heap of lower bounds on the live projects' rhos
    (rho only grows from round to round) and which projects are live."""

    cdef readonly object problem, trie, per_voter, node, budget, error
    cdef double[::1] _budget
    cdef double[::1] _error
    cdef double[::1] _costs
    cdef double[::1] _scale
    cdef bint unit
    cdef unsigned char* live
    cdef Entry* heap
    cdef Py_ssize_t heap_size, heap_capacity
    cdef Fresh* fresh
    cdef double* rows_block
    cdef Py_ssize_t rows_capacity
    cdef Cells rows

    def __init__(self, problem, per_voter, trie):
        cdef Py_ssize_t projects = len(problem.costs), p
        cdef double start = float(per_voter)
        cdef const unsigned char[::1] opening = trie.live
        cdef const double[::1] floors = trie.floors
        cdef const double[::1] supporters = trie.float_supporters
        self.problem, self.trie, self.per_voter, self.node = problem, trie, per_voter, trie.root
        self.unit = problem.unit
        self._costs, self._scale = trie.float_costs, trie.float_scale
        if not opening.shape[0] == floors.shape[0] == supporters.shape[0] == self._costs.shape[0] == projects:
            raise ValueError("the trie's arrays do not match the problem")
        self.budget, self.error = np.zeros(64), np.zeros(64)
        self._budget, self._error = self.budget, self.error
        self._budget[0], self._error[0] = start, EPS * start
        self.live = <unsigned char*>malloc(projects + 1)
        self.heap = <Entry*>malloc((projects + 1) * sizeof(Entry))
        self.fresh = <Fresh*>malloc((projects + 1) * sizeof(Fresh))
        if self.live == NULL or self.heap == NULL or self.fresh == NULL:
            raise MemoryError()
        self.heap_size, self.heap_capacity = 0, projects + 1
        # Every supporter starts with the per-voter budget and only pays from there: a project
        # whose supporters together start with less than its cost is never bought in this run.
        for p in range(projects):
            self.live[p] = opening[p] and start * supporters[p] * (1 + 4 * EPS) >= self._costs[p]
            if self.live[p]:
                self._push(floors[p], p)

    def __dealloc__(self):
        free(self.live)
        free(self.heap)
        free(self.fresh)
        free(self.rows_block)

    def push(self, double low, Py_ssize_t project):
        """Put a lower bound on a live project's rho on the heap."""
        self._push(low, project)

    cdef int _push(self, double low, Py_ssize_t project) except -1:
        cdef Py_ssize_t i = self.heap_size, parent
        cdef Entry item
        if self.heap_size == self.heap_capacity:
            raise IndexError("the heap holds each project once")
        item.low, item.project = low, project
        self.heap_size += 1
        while i > 0:
            parent = (i - 1) // 2
            if not _before(item, self.heap[parent]):
                break
            self.heap[i] = self.heap[parent]
            i = parent
        self.heap[i] = item
        return 0

    cdef Entry _pop(self) noexcept:
        cdef Entry top = self.heap[0], last
        cdef Py_ssize_t i = 0, child
        self.heap_size -= 1
        last = self.heap[self.heap_size]
        while True:
            child = 2 * i + 1
            if child >= self.heap_size:
                break
            if child + 1 < self.heap_size and _before(self.heap[child + 1], self.heap[child]):
                child += 1
            if not _before(self.heap[child], last):
                break
            self.heap[i] = self.heap[child]
            i = child
        if self.heap_size:
            self.heap[i] = last
        return top

    def set_live(self, Py_ssize_t project, bint live):
        """Mark a project live (it may be bought) or not."""
        self.live[project] = live

    cdef CellBlock _cells(self, Py_ssize_t project):
        node = self.node
        block = node.float_cells.get(project)
        if block is None:
            keys, counts = self.trie.cell_arrays(node, project)
            classes, weights = self.trie.split(keys)
            block = CellBlock(classes, weights, counts)
            node.float_cells[project] = block
        return block

    def cells(self, Py_ssize_t project):
        """The supporters' cells as arrays: class, weight, count (kept on the trie node)."""
        block = self._cells(project)
        return block.classes, block.weights, block.counts

    cdef int _price_into(self, Py_ssize_t project, Bracket* out) except -1:
        """The project's bracket at this run's budgets; raises Unsure where the floats cannot tell."""
        cdef CellBlock block = self._cells(project)
        cdef Py_ssize_t n = block.rows
        cdef Py_ssize_t cap
        cdef Source s
        if block.top >= self._budget.shape[0]:
            raise IndexError(f"class {block.top} is outside the budgets")
        if n > self.rows_capacity:
            self.rows_block = <double*>realloc(self.rows_block, 5 * n * sizeof(double))
            if self.rows_block == NULL:
                self.rows_capacity = 0
                raise MemoryError()
            self.rows_capacity = n
        cap = self.rows_capacity
        self.rows.budget, self.rows.error = self.rows_block, self.rows_block + cap
        self.rows.counts, self.rows.weights = self.rows_block + 2 * cap, self.rows_block + 3 * cap
        self.rows.units = self.rows_block + 4 * cap
        s.budget, s.error, s.n = &self._budget[0], &self._error[0], n
        if n:
            s.classes, s.weights, s.counts = &block._classes[0], &block._weights[0], &block._counts[0]
        _bracket(&s, &self.rows, self._costs[project], self.unit, out)
        if out.outcome == UNSURE:
            raise Unsure
        return 0

    def price(self, Py_ssize_t project):
        """The proven price bracket, None when the supporters surely cannot pay; Unsure otherwise."""
        cdef Bracket b
        self._price_into(project, &b)
        return None if b.outcome == CANNOT_PAY else _price_of(&b, self.problem.costs[project])

    def next_priced(self, double threshold):
        """The next live project whose lower bound on the heap is at most `threshold`, with its proven
        price, taken off the heap; those found surely unaffordable on the way are no longer live.
        None when no such project is left."""
        cdef Entry item
        cdef Bracket b
        while self.heap_size and self.heap[0].low <= threshold:
            item = self._pop()
            if not self.live[item.project]:
                continue
            self._price_into(item.project, &b)
            if b.outcome == CANNOT_PAY:
                self.live[item.project] = False
                continue
            return item.project, _price_of(&b, self.problem.costs[item.project])
        return None

    def run(self, outcome, cost_limit, check, bound):
        """MES's rounds into `outcome` (a budgets.mes_float.FloatOutcome): each buys the cheapest
        project, records it (its rounds entry made by `bound(project, ceiling, price, scale)`, the
        rest by MesProblem.buy) and pays for it, until no project is affordable or
        spending passes `cost_limit` (None: no limit). `check`, unless None, is called with each
        round's choice (None when nothing is affordable) before it is bought, and a true answer
        ends the run (a certified run's comparisons, budgets.mes_float). Raises Unsure where the
        floats cannot tell."""
        cdef Py_ssize_t project
        problem, rounds = self.problem, outcome.rounds
        # The live projects as the problem's purchase record keeps them (MesProblem.buy).
        live = [bool(self.live[p]) for p in range(len(problem.costs))]
        while True:
            chosen = self.cheapest()
            if check is not None and check(chosen):
                return
            if chosen is None:
                return
            project, price = chosen
            scale = problem.scale[project]
            rounds.append(bound(project, _rho_high(price.high, self._scale[project]), price, scale))
            if problem.buy(outcome, project, live, cost_limit):
                return
            self.live[project] = False
            self.pay(project, price)

    cpdef cheapest(self):
        """The project whose rho bracket lies below every other live one's, with its price; None when
        none is affordable. Brackets that overlap are settled exactly when every project in the
        overlap has an exact price (then by the tie-break); otherwise raises Unsure."""
        cdef Py_ssize_t found = 0, i, best = 0, near = 0
        cdef double best_high = INFINITY, high
        cdef Entry item
        cdef Fresh* f
        while self.heap_size and self.heap[0].low <= best_high:
            item = self._pop()
            if not self.live[item.project]:
                continue
            f = &self.fresh[found]
            self._price_into(item.project, &f.bracket)
            if f.bracket.outcome == CANNOT_PAY:
                self.live[item.project] = False
                continue
            f.project = item.project
            f.low = _rho_low(f.bracket.low, self._scale[item.project])
            f.high = _rho_high(f.bracket.high, self._scale[item.project])
            best_high = fmin(best_high, f.high)
            found += 1
        for i in range(found):
            self._push(self.fresh[i].low, self.fresh[i].project)
            if _ahead(&self.fresh[i], &self.fresh[best]):
                best = i
        if found == 0:
            return None
        high = self.fresh[best].high
        for i in range(found):
            near += self.fresh[i].low <= high
        costs = self.problem.costs
        if near == 1:
            return self.fresh[best].project, _price_of(&self.fresh[best].bracket, costs[self.fresh[best].project])
        tied = []
        for i in range(found):
            f = &self.fresh[i]
            if f.low <= high:
                price = _price_of(&f.bracket, costs[f.project])
                if price.exact is None:
                    raise Unsure
                scale = self.problem.scale[f.project]
                tied.append((price.exact / scale, self.problem.tie_key(f.project), f.project, price))
        _, _, project, price = min(tied)
        return project, price

    cpdef pay(self, Py_ssize_t project, Price price):
        """Supporters pay min(budget, price x weight); those who surely pay everything hold exactly
        zero. Each new class's error grows by its weight times the bracket's width and the rounding
        of the subtraction (see `pay`)."""
        cdef Py_ssize_t classes, size = self._budget.shape[0], grown
        node = self.trie.child(self.node, project)
        old, weights = node.move_arrays
        classes = node.classes
        if classes > size:
            grown = max(classes, 2 * size)
            self.budget = np.concatenate((self.budget, np.zeros(grown - size)))
            self.error = np.concatenate((self.error, np.zeros(grown - size)))
            self._budget, self._error = self.budget, self.error
        pay(self._budget, self._error, old, weights, classes - len(old), price.estimate, price.low, price.high)
        self.node = node
