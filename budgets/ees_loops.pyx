# cython: language_level=3, boundscheck=True, wraparound=False, cdivision=True, initializedcheck=False
"""An Exact Equal Shares run's tables, compiled: a project's supporters by spending class at the
start of a round, and the reads the engine makes of them (payers at a budget, bounds and least
change points); and the moves of a purchase's payers to their new classes.

budgets.ees_engine says what a table is for and why its reads decide a run exactly; the compiled
sweep (budgets/ees_rounds.pyx) keeps the run's classes and calls the C side that
budgets/ees_loops.pxd declares. A run builds a few tables per round, each over a few thousand
supporters falling in a few hundred classes. Floats decide only where they are clear by a relative
margin (`TOL`); the rest is decided with the exact spending, asked of the run. The Python entry
points (`class_table`, `move_payers`, `undo_moves`) check every id against the arrays (IndexError,
as numpy would); the C ones trust their caller. Built by `make` (Cython); budgets/ees_loops.pyi
types it for mypy.
"""

from fractions import Fraction

import numpy as np

from libc.math cimport INFINITY, fabs
from libc.stdlib cimport calloc, free, malloc, qsort
from libc.string cimport memcpy

# Float comparisons within this relative margin are decided exactly.
TOL = 1e-9
cdef double TOL_C = TOL
cdef double _TOL = TOL
# Classes whose float spending is this close (relatively) are ordered by their exact spending.
cdef double _ORDER_TOL = 1e-12


cdef class Table:
    """A project's supporters at the start of a round in blocks, one per spending class, least spent
    first: the payer count at each block's end (`ends`), c / k + s there as a float (`value_f`, k the
    count and s the block's spending) and the least of those from each block on (`suffix_f`).

    The four columns live in one C allocation, filled by `class_table` (the arrays a caller reads
    are copies). Exact values of c / k + s are made from the run's exact spending (`spent`, a
    class's Fraction) when a float comparison is too close to call, and kept."""

    def __init__(self, classes, ends, value_f, suffix_f, int round_no, spent):
        cdef const Py_ssize_t[::1] c = classes
        cdef const long long[::1] e = ends
        cdef const double[::1] v = value_f
        cdef const double[::1] s = suffix_f
        if not (c.shape[0] == v.shape[0] == s.shape[0] == e.shape[0]):
            raise ValueError("a table's arrays differ in length")
        self._allocate(e.shape[0], round_no, spent)
        cdef Py_ssize_t i
        for i in range(self.size):
            self._classes[i], self._ends[i], self._value[i], self._suffix[i] = c[i], e[i], v[i], s[i]

    cdef int _allocate(self, Py_ssize_t size, int round_no, spent) except -1:
        """Room for `size` blocks (the columns one after another in one allocation)."""
        cdef char* room = <char*>malloc(size * (sizeof(Py_ssize_t) + sizeof(long long) + 2 * sizeof(double)) + 1)
        if room == NULL:
            raise MemoryError()
        self._value = <double*>room
        self._suffix = self._value + size
        self._ends = <long long*>(self._suffix + size)
        self._classes = <Py_ssize_t*>(self._ends + size)
        self.size, self.round_no, self.spent, self.exact = size, round_no, spent, None
        return 0

    def __dealloc__(self):
        free(self._value)

    @property
    def classes(self):
        return np.array(<Py_ssize_t[:self.size]>self._classes if self.size else [], dtype=np.intp)

    @property
    def ends(self):
        return np.array(<long long[:self.size]>self._ends if self.size else [], dtype=np.int64)

    @property
    def value_f(self):
        return np.array(<double[:self.size]>self._value if self.size else [], dtype=np.float64)

    @property
    def suffix_f(self):
        return np.array(<double[:self.size]>self._suffix if self.size else [], dtype=np.float64)

    cdef Py_ssize_t _first_with(self, long long need) noexcept:
        """The first block ending at `need` payers or more (size when none does)."""
        cdef Py_ssize_t low = 0, high = self.size, middle
        while low < high:
            middle = (low + high) // 2
            if self._ends[middle] < need:
                low = middle + 1
            else:
                high = middle
        return low

    def lower_bound(self, long long need) -> float:
        """A lower bound on c / k + s over blocks ending at `need` payers or more (inf when none do)."""
        return self._lower_bound(need)

    cdef double _lower_bound(self, long long need) noexcept:
        cdef Py_ssize_t j = self._first_with(need)
        return INFINITY if j == self.size else self._suffix[j]

    def value(self, Py_ssize_t i, cost):
        """c / k + s at block i, exactly."""
        if self.exact is None:
            self.exact = {}  # made on the first close call: most tables never have one
        found = self.exact.get(i)
        if found is None:
            found = self.exact[i] = Fraction(cost, self._ends[i]) + self.spent(self._classes[i])
        return found

    def least(self, long long need, cost):
        """Exactly min over blocks ending at >= need payers of c / k + s (None when there is none)."""
        cdef Py_ssize_t j = self._first_with(need), i
        if j == self.size:
            return None
        cdef double near = self._suffix[j] * (1 + _TOL) + 1e-300
        best = None
        for i in range(j, self.size):
            if self._value[i] <= near:
                found = self.value(i, cost)
                if best is None or found < best:
                    best = found
        return best

    def payers(self, per_voter, double per_voter_f, cost) -> int:
        """The most supporters who can split the cost equally (0: none): the last block with
        c / k + s <= b."""
        return self._payers(per_voter, per_voter_f, cost)

    cdef long long _payers(self, per_voter, double per_voter_f, cost) except -1:
        cdef double low = per_voter_f * (1 - _TOL), high = per_voter_f * (1 + _TOL)
        cdef Py_ssize_t i
        for i in range(self.size - 1, -1, -1):
            if self._value[i] <= high and (self._value[i] <= low or self.value(i, cost) <= per_voter):
                return self._ends[i]
        return 0

    def paying(self, long long k):
        """The classes of the first k payers (whole blocks: k is always a block's end)."""
        cdef Py_ssize_t j = self._paying(k)
        return np.array(<Py_ssize_t[:j]>self._classes, dtype=np.intp)

    cdef Py_ssize_t _paying(self, long long k) except -1:
        """How many blocks the first k payers fill (k must end a block)."""
        cdef Py_ssize_t j = self._first_with(k)
        if j == self.size or self._ends[j] != k:
            raise ValueError(f"{k} payers do not end a block")
        return j + 1


cdef struct Block:
    double spent
    Py_ssize_t cls


cdef inline bint _before(const Block* a, const Block* b) noexcept nogil:
    """Blocks in order of float spending, then class id (numpy's stable argsort over ids in order)."""
    return a.spent < b.spent or (a.spent == b.spent and a.cls < b.cls)


cdef inline bint _close(const Block* a, const Block* b) noexcept nogil:
    """Sorted neighbours too close in float spending to order by it."""
    return b.spent - a.spent <= _ORDER_TOL * (1 + fabs(b.spent))


cdef int _compare(const void* a, const void* b) noexcept nogil:
    return -1 if _before(<const Block*>a, <const Block*>b) else (1 if _before(<const Block*>b, <const Block*>a) else 0)


cdef void _sort(Block* blocks, Py_ssize_t n) noexcept nogil:
    """Sort blocks in place: by insertion when few, else by libc's qsort."""
    if n > 16:
        qsort(blocks, n, sizeof(Block), _compare)
    else:
        _insert(blocks, n)


cdef void _insert(Block* blocks, Py_ssize_t n) noexcept nogil:
    """Sort blocks in place by insertion: quick where each is near its place."""
    cdef Py_ssize_t i, j
    cdef Block item
    for i in range(1, n):
        if not _before(&blocks[i], &blocks[i - 1]):
            continue
        item = blocks[i]
        j = i - 1
        while j >= 0 and _before(&item, &blocks[j]):
            blocks[j + 1] = blocks[j]
            j -= 1
        blocks[j + 1] = item


cdef int _sort_by_spending(Block* blocks, Py_ssize_t m) except -1:
    """Sort blocks as `_before` orders them: spread over m buckets by float spending (a monotone
    map, so the buckets are in order), libc's qsort for the rare bucket of more than 16 blocks,
    then one pass of insertion over them all, which moves a block only within its bucket. About
    linear where the spending is spread out, as it is over a table's few hundred classes; libc's
    qsort of them all had taken most of a table's time (its comparator calls and copies), and a
    sort call per bucket (most hold one or two blocks) a tenth of the run."""
    cdef Py_ssize_t i, b, start = 0
    cdef double low, high, width
    if m < 32:
        _sort(blocks, m)
        return 0
    low = high = blocks[0].spent
    for i in range(1, m):
        low = fmin(low, blocks[i].spent)
        high = fmax(high, blocks[i].spent)
    if not high > low:
        _sort(blocks, m)
        return 0
    width = m / (high - low)
    cdef Py_ssize_t* ends = <Py_ssize_t*>calloc(m + 1, sizeof(Py_ssize_t))
    cdef Block* spread = <Block*>malloc(m * sizeof(Block))
    if ends == NULL or spread == NULL:
        free(ends)
        free(spread)
        raise MemoryError()
    for i in range(m):
        ends[_bucket(blocks[i].spent, low, width, m) + 1] += 1
    for b in range(m):
        ends[b + 1] += ends[b]
    for i in range(m):
        b = _bucket(blocks[i].spent, low, width, m)
        spread[ends[b]] = blocks[i]
        ends[b] += 1
    memcpy(blocks, spread, m * sizeof(Block))
    for b in range(m):
        if ends[b] - start > 16:
            _sort(blocks + start, ends[b] - start)
        start = ends[b]
    free(ends)
    free(spread)
    _insert(blocks, m)
    return 0


cdef inline double fmin(double a, double b) noexcept nogil:
    return a if a < b else b


cdef inline double fmax(double a, double b) noexcept nogil:
    return a if a > b else b


cdef inline Py_ssize_t _bucket(double spent, double low, double width, Py_ssize_t m) noexcept nogil:
    """A block's bucket: (spent - low) x width (never negative) truncated, or the last bucket for
    anything past it, infinity and NaN included (a width overflowed by classes a denormal apart)."""
    cdef double x = (spent - low) * width
    return <Py_ssize_t>x if x < m - 1 else m - 1


def class_table(
    const int[::1] type_class,
    const Py_ssize_t[::1] supporters,
    const double[::1] many,
    double[:, ::1] cells,
    cost,
    int round_no,
    spent,
):
    """The table of a project's supporting types (`many` voters each) whose classes `type_class`
    gives. `cells` holds two floats per class side by side (one memory read for both): what each
    voter of the class has spent, and a count that is zero on entry and left zero; `spent` gives a
    class's spending exactly (a callable). `build_table` says how blocks are ordered."""
    cdef Py_ssize_t n = supporters.shape[0]
    if many.shape[0] != n:
        raise ValueError("supporters and many differ in length")
    if cells.shape[1] != 2:
        raise ValueError("cells hold two floats per class")
    for i in range(n):
        if not 0 <= supporters[i] < type_class.shape[0]:
            raise IndexError(f"type {supporters[i]} is outside 0..{type_class.shape[0] - 1}")
        if not 0 <= type_class[supporters[i]] < cells.shape[0]:
            raise IndexError(f"class {type_class[supporters[i]]} is outside 0..{cells.shape[0] - 1}")
        if not many[i] > 0:
            raise ValueError("a supporting type holds no voters")
    return build_table(
        &type_class[0], &supporters[0] if n else NULL, &many[0] if n else NULL, n,
        &cells[0, 0], cells.shape[0], cost, round_no, spent,
    )


cdef Table build_table(
    const int* type_class,
    const Py_ssize_t* supporters,
    const double* many,
    Py_ssize_t n,
    double* cells,
    Py_ssize_t classes,
    cost,
    int round_no,
    spent,
):
    """The table of the supporting types `supporters[:n]` (`many` voters each) whose classes
    `type_class` gives; `cells` holds two floats per class of `classes` (spending, and a count zero
    on entry and left zero), `spent` a class's exact spending.

    Blocks are ordered by float spending, then by class id (numpy's stable argsort over the classes
    in id order); a run of neighbours within `_ORDER_TOL` of each other is ordered by exact
    spending instead."""
    cdef Py_ssize_t m = 0, i, j, c, start
    cdef Block* blocks = <Block*>malloc(n * sizeof(Block) + 1)
    if blocks == NULL:
        raise MemoryError()
    cdef double c_f = float(cost)
    cdef bint filled = False
    cdef Table table
    try:
        for i in range(n):
            c = type_class[supporters[i]]
            # Without a branch on whether the class is new (which no predictor guesses well): its
            # block is always written, and kept only when the class had no count yet.
            blocks[m].cls = c
            blocks[m].spent = cells[2 * c]
            m += cells[2 * c + 1] == 0.0
            cells[2 * c + 1] += many[i]
        _sort_by_spending(blocks, m)
        start = 0
        for j in range(1, m + 1):
            if j == m or not _close(&blocks[j - 1], &blocks[j]):
                if j - start > 1:
                    _order_exactly(blocks + start, j - start, spent)
                start = j
        table = Table.__new__(Table)
        table._allocate(m, round_no, spent)
        _fill(blocks, m, c_f, cells, table)
        filled = True
    finally:
        if not filled:  # leave the counts zero whatever went wrong
            for j in range(m):
                cells[2 * blocks[j].cls + 1] = 0.0
        free(blocks)
    return table


def move_payers(
    int[::1] type_class,
    const Py_ssize_t[::1] supporters,
    const Py_ssize_t[::1] payers,
    int first,
    int[::1] moved,
    int[::1] log,
    Py_ssize_t at,
):
    """A purchase's payments: the supporting types in the paying classes (`payers`, each listed
    once) move, those of payers[i] to class first + i; the others stay. `moved` holds an id per
    class, zero on entry and left zero (no class moves to class 0, the first). The types that
    move are written to `log` from `at` on (room for every supporter is asked); returns where
    the log ends."""
    if not 0 <= at <= log.shape[0] - supporters.shape[0]:
        raise ValueError("the log has no room for every supporter")
    for i in range(payers.shape[0]):
        if not 0 <= payers[i] < moved.shape[0]:
            raise IndexError(f"paying class {payers[i]} is outside 0..{moved.shape[0] - 1}")
    for i in range(supporters.shape[0]):
        if not 0 <= supporters[i] < type_class.shape[0]:
            raise IndexError(f"type {supporters[i]} is outside 0..{type_class.shape[0] - 1}")
    return move_types(
        &type_class[0], &supporters[0] if supporters.shape[0] else NULL, supporters.shape[0],
        &payers[0] if payers.shape[0] else NULL, payers.shape[0], first, &moved[0],
        &log[0] if log.shape[0] else NULL, at,
    )


cdef Py_ssize_t move_types(
    int* type_class,
    const Py_ssize_t* supporters,
    Py_ssize_t n,
    const Py_ssize_t* payers,
    Py_ssize_t paying,
    int first,
    int* moved,
    int* log,
    Py_ssize_t at,
) except -1:
    """`move_payers` on C arrays (`supporters[:n]`, `payers[:paying]`); the caller checks the ids."""
    cdef Py_ssize_t i, t, c, old
    if not 0 < first <= 2**31 - 1 - paying:
        raise ValueError(f"new classes {first}.. are outside 1..2**31 - 1")
    try:
        for i in range(paying):
            if moved[payers[i]] != 0:
                raise ValueError(f"class {payers[i]} is listed twice")
            moved[payers[i]] = first + i
        for i in range(n):
            # Without a branch on whether the type moves (as in build_table): the type is always
            # written to the log, which goes on only past those that move.
            t = supporters[i]
            old = type_class[t]
            c = moved[old]
            type_class[t] = <int>(c if c != 0 else old)
            log[at] = <int>t
            at += c != 0
    finally:
        for i in range(paying):
            moved[payers[i]] = 0
    return at


def new_classes(
    double[:, ::1] cells, Py_ssize_t[::1] parent, const Py_ssize_t[::1] payers, Py_ssize_t first, double share
):
    """Classes first, first + 1, ..: the voters of each paying class (`payers`) after paying `share`
    (their float spending in `cells`, their parent class in `parent`)."""
    cdef Py_ssize_t i, n = payers.shape[0]
    if not 0 < first <= min(cells.shape[0], parent.shape[0]) - n:
        raise ValueError(f"no room for {n} new classes from {first}")
    for i in range(n):
        if not 0 <= payers[i] < first:
            raise IndexError(f"paying class {payers[i]} is outside 0..{first - 1}")
        cells[first + i, 0] = cells[payers[i], 0] + share
        parent[first + i] = payers[i]


def undo_moves(int[::1] type_class, const int[::1] moves, const Py_ssize_t[::1] parent):
    """Take back the moves `move_payers` logged: each logged type goes back to its class's parent
    (a type logged twice, by two purchases, goes back twice)."""
    for i in range(moves.shape[0]):
        if not 0 <= moves[i] < type_class.shape[0] or not 0 <= type_class[moves[i]] < parent.shape[0]:
            raise IndexError(f"type {moves[i]} or its class is out of range")
    undo_types(&type_class[0], &moves[0] if moves.shape[0] else NULL, moves.shape[0], &parent[0])


cdef void undo_types(int* type_class, const int* moves, Py_ssize_t n, const Py_ssize_t* parent) noexcept:
    """`undo_moves` on C arrays (a type logged twice goes back twice, each time to its class's parent)."""
    cdef Py_ssize_t i, t
    for i in range(n):
        t = moves[i]
        type_class[t] = <int>parent[type_class[t]]


cdef void _fill(Block* blocks, Py_ssize_t m, double cost, double* cells, Table table):
    """The table's columns from its sorted blocks, and each block's count taken out of `cells`."""
    cdef double total = 0.0, least = INFINITY
    cdef Py_ssize_t i
    for i in range(m):
        total += cells[2 * blocks[i].cls + 1]
        cells[2 * blocks[i].cls + 1] = 0.0
        table._classes[i] = blocks[i].cls
        table._ends[i] = <long long>total
        table._value[i] = cost / total + blocks[i].spent
    for i in range(m - 1, -1, -1):
        if table._value[i] < least:
            least = table._value[i]
        table._suffix[i] = least


cdef void _order_exactly(Block* run, Py_ssize_t size, spent) except *:
    """Order a run of blocks too close in float spending to tell apart by exact spending (stable)."""
    cdef Py_ssize_t i
    by_class = {run[i].cls: run[i] for i in range(size)}
    ordered = sorted((run[i].cls for i in range(size)), key=spent)
    for i in range(size):
        run[i] = by_class[ordered[i]]
