# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The state of an Exact Equal Shares run, compiled: everyone's class, the classes' spending, the moves
each purchase made, and each project's tables by round (budgets.ees_engine says what they are for).

Voter types are grouped in classes of equal spending: a purchase moves each paying class's
supporters of the project to a new class whose parent it is. Per class the state keeps its float
spending and a count the tables use (side by side), its parent, and its exact spending (a
Fraction) only once asked for; per type its class (int32), with a log of the types each purchase
moved, so that going back to a round's start, or reading an earlier round's classes, takes back the
moves logged since. The sweep (budgets/ees_rounds.pyx) runs the rounds on it.
"""

from bisect import bisect_right
from fractions import Fraction

import numpy as np

from libc.stdlib cimport calloc, free, realloc

from budgets.ees_loops cimport Table, build_table, move_types, undo_types


cdef void* grown(void* block, Py_ssize_t size) except NULL:
    """`block` reallocated to `size` bytes (MemoryError when there is no room)."""
    cdef void* found = realloc(block, size if size > 0 else 1)
    if found == NULL:
        raise MemoryError()
    return found


class SupporterArrays:
    """Each project's supporting voter types and their multiplicities, one after another.

    Built once per problem and shared by the sweeps of a completion: `types[starts[p]:starts[p + 1]]`
    are project p's supporting types and `counts` the voters each holds (floats, exact below 2**53,
    as the tables add them up).
    """

    __slots__ = ("counts", "starts", "types")

    def __init__(self, types, counts, starts):
        self.types, self.counts, self.starts = types, counts, starts

    @classmethod
    def of(cls, problem):
        supporters = problem.types.supporters
        multiplicity = np.array(problem.types.multiplicity, dtype=np.float64)
        lengths = [len(s) for s in supporters]
        types = np.fromiter((t for s in supporters for t in s), dtype=np.intp, count=sum(lengths))
        starts = np.zeros(len(supporters) + 1, dtype=np.intp)
        np.cumsum(lengths, out=starts[1:])
        return cls(types, multiplicity[types], starts)


cdef class EesState:
    """The classes, moves and tables of a run; the budget it runs at (b, exact and as a float).

    Per class (id c): `cells[2c]` its float spending, `cells[2c + 1]` a count kept zero between
    tables, `parent[c]` the class it paid from, `moved[c]` an id kept zero between moves; exact
    spending from the batches of classes each purchase made and the share its payers paid. Per
    type its class (`type_class`) and a mark kept zero between uses (`type_mark`); `moves` logs the types each purchase moved, round r's from
    `log_at[r - 1]`. Per project its tables by round, ascending (`tables`).
    """

    def __dealloc__(self):
        free(self.cost_f)
        free(self.scale_f)
        free(self.supporters)
        free(self.rank)
        free(self.cells)
        free(self.parent)
        free(self.moved)
        free(self.type_class)
        free(self.moves)
        free(self.log_at)
        free(self.type_mark)

    def __init__(self, problem, arrays=None):
        cdef Py_ssize_t n = len(problem.costs), p
        self.problem = problem
        self.arrays = SupporterArrays.of(problem) if arrays is None else arrays
        cdef const Py_ssize_t[::1] sup_types = self.arrays.types
        cdef const double[::1] sup_many = self.arrays.counts
        cdef const Py_ssize_t[::1] sup_start = self.arrays.starts
        if sup_start.shape[0] != n + 1 or sup_start[n] != sup_types.shape[0] or sup_many.shape[0] != sup_types.shape[0]:
            raise ValueError("the supporter arrays do not fit the problem")
        self.projects, self.types = n, len(problem.types.multiplicity)
        self.sup_types = &sup_types[0] if sup_types.shape[0] else NULL
        self.sup_many = &sup_many[0] if sup_many.shape[0] else NULL
        self.sup_start = &sup_start[0]
        for p in range(sup_types.shape[0]):
            if not 0 <= sup_types[p] < self.types:
                raise IndexError(f"supporting type {sup_types[p]} is outside 0..{self.types - 1}")
        self.costs, self.scale = list(problem.costs), list(problem.scale)
        self.cost_utility = problem.cost_utility
        self.cost_f = <double*>grown(NULL, n * sizeof(double))
        self.scale_f = <double*>grown(NULL, n * sizeof(double))
        self.supporters = <long long*>grown(NULL, n * sizeof(long long))
        self.rank = <long long*>grown(NULL, n * sizeof(long long))
        for rank, p in enumerate(sorted(range(n), key=problem.tie_key)):
            self.rank[p] = rank
        for p in range(n):
            self.cost_f[p], self.scale_f[p] = float(self.costs[p]), float(self.scale[p])
            self.supporters[p] = problem.supporter_counts[p]
        # At most one round per project, and the last one that buys nothing.
        self.log_at = <Py_ssize_t*>grown(NULL, (n + 1) * sizeof(Py_ssize_t))
        self.type_class = <int*>calloc(self.types + 1, sizeof(int))
        if self.type_class == NULL:
            raise MemoryError()
        self.type_mark = <char*>calloc(self.types + 1, sizeof(char))
        if self.type_mark == NULL:
            raise MemoryError()
        self.capacity = 0
        self._reserve_classes(256)
        self.size = 1
        self.exact_spent = {0: Fraction(0)}
        self.batch_start, self.batch_share = [0], [Fraction(0)]
        self.moves_capacity = max(self.types, 256)
        self.moves = <int*>grown(NULL, self.moves_capacity * sizeof(int))
        self.logged = 0
        self.started = 0
        self.tables = [[] for _ in range(n)]
        self.spent_of = self.class_spent

    def classes_at(self, int round_no):
        """Everyone's class at the start of a round so far (the current one's: as they are now)."""
        found = np.array(<int[:self.types]>self.type_class, dtype=np.int32) if self.types else np.zeros(0, np.int32)
        cdef int[::1] view = found
        cdef Py_ssize_t start
        if round_no < self.started and self.types:
            start = self.log_at[round_no - 1]
            undo_types(&view[0], self.moves + start, self.logged - start, self.parent)
        return found

    def has_table(self, Py_ssize_t p, int round_no):
        """Whether p's table of this round has been built."""
        return self._exactly(p, round_no) is not None

    cdef int _set_budget(self, per_voter) except -1:
        self.b = per_voter
        self.b_f = float(per_voter)
        return 0

    cdef int _start_round(self) except -1:
        """Start the next round: its moves are logged from here."""
        self.log_at[self.started] = self.logged
        self.started += 1
        return 0

    cdef Table _exactly(self, Py_ssize_t p, int round_no):
        """p's table of exactly this round (None: not built)."""
        cdef list tables = self.tables[p]
        cdef Py_ssize_t i
        for i in range(len(tables) - 1, -1, -1):
            if (<Table>tables[i]).round_no <= round_no:
                return tables[i] if (<Table>tables[i]).round_no == round_no else None
        return None

    cdef Table _latest(self, Py_ssize_t p, int round_no):
        """p's table at the latest round up to `round_no` that has one (None: no table)."""
        cdef list tables = self.tables[p]
        cdef Py_ssize_t i
        for i in range(len(tables) - 1, -1, -1):
            if (<Table>tables[i]).round_no <= round_no:
                return tables[i]
        return None

    cdef Table _table(self, Py_ssize_t p, int round_no):
        """The blocks of p's supporters at the start of a round (the current one, or an earlier one)."""
        cdef list tables = self.tables[p]
        cdef Py_ssize_t i = len(tables), start = self.sup_start[p], back
        cdef Table found
        while i > 0 and (<Table>tables[i - 1]).round_no > round_no:
            i -= 1
        if i > 0 and (<Table>tables[i - 1]).round_no == round_no:
            return tables[i - 1]
        cdef int* classes = self.type_class
        cdef int* earlier = NULL
        if round_no < self.started:
            earlier = <int*>grown(NULL, (self.types + 1) * sizeof(int))
            for back in range(self.types):
                earlier[back] = self.type_class[back]
            back = self.log_at[round_no - 1]
            undo_types(earlier, self.moves + back, self.logged - back, self.parent)
            classes = earlier
        try:
            found = build_table(
                classes, self.sup_types + start, self.sup_many + start, self.sup_start[p + 1] - start,
                self.cells, self.size, self.costs[p], round_no, self.spent_of,
            )
        finally:
            free(earlier)
        tables.insert(i, found)
        return found

    cdef int _pay(self, Py_ssize_t p, Table table, long long k) except -1:
        """The k richest supporters (whole classes) pay c / k each and move to new classes, one per
        paying class, even where two end up with equal spending: such classes sort next to each
        other, and neither a payer count nor a change point ever separates them."""
        cdef Py_ssize_t paying = table._paying(k), first = self.size, i, start = self.sup_start[p]
        cdef Py_ssize_t n = self.sup_start[p + 1] - start
        cdef double share_f = self._share_f(p, k)
        cdef Py_ssize_t payer
        if first + paying > 2**31 - 1:
            raise OverflowError("more spending classes than class ids")
        self._reserve_classes(first + paying)
        for i in range(paying):
            payer = table._classes[i]
            self.cells[2 * (first + i)] = self.cells[2 * payer] + share_f
            self.cells[2 * (first + i) + 1] = 0.0
            self.parent[first + i] = payer
        self.batch_start.append(first)
        self.batch_share.append((self.costs[p], k))
        self.size = first + paying
        self._reserve_moves(n)
        self.logged = move_types(
            self.type_class, self.sup_types + start, n, table._classes, paying, <int>first,
            self.moved, self.moves, self.logged,
        )
        return 0

    cdef int _pay_types(self, Py_ssize_t p, const int* types, Py_ssize_t n, long long k) except -1:
        """The types `types[:n]` (each listed once, whole classes of p's supporters) pay c / k each
        for p: as `_pay`, with the payers named by type, and no pass over p's other supporters (a
        replayed round's, budgets/ees_rounds.pyx)."""
        cdef Py_ssize_t first = self.size, i, c, paying = 0
        cdef int t, found
        cdef double share_f = self._share_f(p, k)
        if first + n > 2**31 - 1:
            raise OverflowError("more spending classes than class ids")
        self._reserve_classes(first + n)
        self._reserve_moves(n)
        for i in range(n):
            t = types[i]
            c = self.type_class[t]
            found = self.moved[c]
            if found == 0:  # the first of its class: the class's new one
                found = <int>(first + paying)
                paying += 1
                self.moved[c] = found
                self.cells[2 * found] = self.cells[2 * c] + share_f
                self.cells[2 * found + 1] = 0.0
                self.parent[found] = c
            self.type_class[t] = found
            self.moves[self.logged] = t
            self.logged += 1
        for i in range(first, first + paying):
            self.moved[self.parent[i]] = 0
        self.batch_start.append(first)
        self.batch_share.append((self.costs[p], k))
        self.size = first + paying
        return 0

    cdef double _share_f(self, Py_ssize_t p, long long k) except? -1.0:
        """c / k as a float, correctly rounded: in C where the cost is a whole number a double holds."""
        return self.cost_f[p] / k if self.cost_f[p] < 2.0**53 else self.costs[p] / k

    cdef int _reserve_moves(self, Py_ssize_t n) except -1:
        """Room in the log for n more moves."""
        if self.logged + n > self.moves_capacity:
            self.moves_capacity = 2 * (self.logged + n)
            self.moves = <int*>grown(self.moves, self.moves_capacity * sizeof(int))
        return 0

    cdef int _unpay(self, Py_ssize_t log_start, Py_ssize_t size) except -1:
        """Take back the last purchase's moves (logged from `log_start`) and its new classes (from `size`)."""
        undo_types(self.type_class, self.moves + log_start, self.logged - log_start, self.parent)
        self.logged = log_start
        self.size = size
        self.exact_spent = {c: found for c, found in self.exact_spent.items() if c < size}
        self.batch_start.pop()
        self.batch_share.pop()
        return 0

    cdef int _reserve_classes(self, Py_ssize_t size) except -1:
        """Room for `size` classes (doubling); new room holds zero counts and ids."""
        cdef Py_ssize_t old = self.capacity, capacity, c
        if size <= old:
            return 0
        capacity = max(2 * size, 256)
        self.cells = <double*>grown(self.cells, 2 * capacity * sizeof(double))
        self.parent = <Py_ssize_t*>grown(self.parent, capacity * sizeof(Py_ssize_t))
        self.moved = <int*>grown(self.moved, capacity * sizeof(int))
        for c in range(old, capacity):
            self.cells[2 * c] = self.cells[2 * c + 1] = 0.0
            self.parent[c] = 0
            self.moved[c] = 0
        self.capacity = capacity
        return 0

    cdef int _forget_from(self, int round_no, Py_ssize_t size) except -1:
        """Go back to the start of a round, when there were `size` classes: its tables stay, later
        ones go."""
        cdef Py_ssize_t start = self.log_at[round_no - 1]
        cdef list tables
        undo_types(self.type_class, self.moves + start, self.logged - start, self.parent)
        self.logged = start
        self.started = round_no - 1
        for tables in self.tables:
            while tables and (<Table>tables[len(tables) - 1]).round_no > round_no:
                tables.pop()
        self.size = size
        if len(self.exact_spent) > 1:
            self.exact_spent = {c: found for c, found in self.exact_spent.items() if c < size}
        while self.batch_start[len(self.batch_start) - 1] >= size:
            self.batch_start.pop()
            self.batch_share.pop()
        return 0

    def class_spent(self, Py_ssize_t c):
        """What each voter in class c has spent, exactly (kept once computed): a class's spending
        is its parent's plus the share its batch paid."""
        if not 0 <= c < self.size:
            raise IndexError(f"class {c} is outside 0..{self.size - 1}")
        chain = []
        found = self.exact_spent.get(c)
        while found is None:
            chain.append(c)
            c = self.parent[c]
            found = self.exact_spent.get(c)
        for c in reversed(chain):
            batch = bisect_right(self.batch_start, c) - 1
            share = self.batch_share[batch]
            if type(share) is tuple:
                share = self.batch_share[batch] = Fraction(*share)
            found = self.exact_spent[c] = found + share
        return found
