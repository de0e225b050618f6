# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Exact Equal Shares runs at rising per-voter budgets, compiled: each run keeps the rounds before
the first that changes and replays the later ones where it can (budgets.ees_engine says what a
round's change point is, why the rounds before it are the same at the new budget, and when a later
round may be replayed).

The run's state (classes, moves, tables) is budgets/ees_state.pyx's; the sweep adds per round its
purchase and change point, and per project the round it was bought or dropped in. A round run in
full picks its purchase from a heap of lower bounds on rho and finds its change point from a heap of
lower bounds on when each project could change it (budgets/ees_heaps.pxd); a replayed round moves
the voter types that paid in the run before. Python objects are made only where the floats are too
close to call and when an outcome is asked for: per round the loop runs in C.
"""

from fractions import Fraction

from budgets.ees_outcome import EesOutcome

from libc.math cimport INFINITY, fabs
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy

from budgets.ees_heaps cimport Entry, Pair, heapify, pop, push
from budgets.ees_loops cimport TOL_C, Table
from budgets.ees_state cimport EesState, grown

cdef class ChangePoint:
    """A round's change point: the least c / k + s over its pairs, as a float at once and exactly
    when first asked for (most are only ever compared with budgets far from them).

    The exact value is the least of its candidates' (table, payers needed, cost): the pairs whose
    float least is within TOL of the float one; every other pair's exact least is larger."""

    cdef readonly double value_f
    cdef list candidates
    cdef object _exact

    def __init__(self, double value_f, list candidates):
        self.value_f = value_f
        self.candidates = candidates
        self._exact = None

    def exact(self):
        return self._exact_value()

    cdef object _exact_value(self):
        if self._exact is None:
            for table, need, cost in self.candidates:
                found = table.least(need, cost)
                if found is not None and (self._exact is None or found < self._exact):
                    self._exact = found
        return self._exact

    cdef bint below(self, ChangePoint other) except -1:
        """Whether this point is less than `other`: by the floats unless they are within TOL."""
        if self.value_f < other.value_f * (1 - TOL_C):
            return True
        if self.value_f > other.value_f * (1 + TOL_C):
            return False
        return self._exact_value() < other._exact_value()

    cdef bint reached(self, per_voter, double per_voter_f) except -1:
        """Whether this point is at or under the per-voter budget."""
        if per_voter_f < self.value_f * (1 - TOL_C):
            return False
        if per_voter_f > self.value_f * (1 + TOL_C):
            return True
        return not per_voter < self._exact_value()


cdef class EesSweep(EesState):
    """EES runs at rising per-voter budgets, each redoing only the rounds from the first that changes.

    `advance(b)` runs at b (the first call from scratch; later ones, at a budget not below the last,
    keep every round up to the first whose change point b reaches and redo the rest); `funded`,
    `spent` and `over_limit` describe the run, `outcome()` gives it in full; `change()` and
    `change_skip()` give the least increases of b that change it (add-opt, add-opt-skip).
    """

    # Per project: the round it was bought or dropped in (0: not), whether it is alive in the round
    # being run.
    cdef int* bought_in
    cdef int* dropped_in
    cdef char* alive
    # Per round (round r at r - 1): its purchase (-1: none, the run ended), payers, how many
    # classes there were at its start, what had been spent, its change point and the least change
    # point of it and those before.
    cdef int rounds
    cdef Py_ssize_t* chosen
    cdef long long* chosen_k
    cdef Py_ssize_t* classes_start
    cdef list spent_at, change_at, least_to
    # The run: free projects (bought before round 1), those put on offer, what is spent.
    cdef list free_projects, first_offered
    cdef object spent_total
    cdef bint stopped, begun
    # Work space: the heap of bounds on rho, the entries a round evaluated, the offered projects,
    # room for one round's pairs.
    cdef Entry* heap
    cdef Entry* fresh
    cdef Py_ssize_t heap_n
    cdef Py_ssize_t* offered
    cdef Py_ssize_t offered_n
    cdef Pair* pairs
    # Per round (at r - 1): how far its change point may have fallen since it was computed, from
    # changes in earlier rounds (0: computed on the run as it is).
    cdef double* shift_at
    # The rounds a resumed run may replay, saved from the run before (budgets.ees_engine): per round
    # from `saved_from` (at i = round - saved_from, `saved_n` of them) its purchase, payers, change
    # point and shift, and the types it moved (`saved_moves[saved_at[i]:saved_at[i + 1]]`).
    cdef int saved_from
    cdef Py_ssize_t saved_n, saved_room
    cdef Py_ssize_t* saved_chosen
    cdef long long* saved_k
    cdef double* saved_shift
    cdef Py_ssize_t* saved_at
    cdef int* saved_moves
    cdef list saved_points
    # Over the sweep: rounds run in full and rounds replayed.
    cdef readonly long long rounds_run, rounds_replayed

    def __dealloc__(self):
        free(self.bought_in)
        free(self.dropped_in)
        free(self.alive)
        free(self.chosen)
        free(self.chosen_k)
        free(self.classes_start)
        free(self.heap)
        free(self.fresh)
        free(self.offered)
        free(self.pairs)
        free(self.shift_at)
        free(self.saved_chosen)
        free(self.saved_k)
        free(self.saved_shift)
        free(self.saved_at)
        free(self.saved_moves)

    def __init__(self, problem, arrays=None):
        EesState.__init__(self, problem, arrays)
        cdef Py_ssize_t n = self.projects
        self.bought_in = <int*>calloc(n + 1, sizeof(int))
        self.dropped_in = <int*>calloc(n + 1, sizeof(int))
        self.alive = <char*>calloc(n + 1, sizeof(char))
        if self.bought_in == NULL or self.dropped_in == NULL or self.alive == NULL:
            raise MemoryError()
        self.heap = <Entry*>grown(NULL, (n + 1) * sizeof(Entry))
        self.fresh = <Entry*>grown(NULL, (n + 1) * sizeof(Entry))
        self.offered = <Py_ssize_t*>grown(NULL, (n + 1) * sizeof(Py_ssize_t))
        self.pairs = <Pair*>grown(NULL, (n + 1) * sizeof(Pair))
        # At most one round per project on offer, and the last one that buys nothing.
        self.chosen = <Py_ssize_t*>grown(NULL, (n + 1) * sizeof(Py_ssize_t))
        self.chosen_k = <long long*>grown(NULL, (n + 1) * sizeof(long long))
        self.classes_start = <Py_ssize_t*>grown(NULL, (n + 1) * sizeof(Py_ssize_t))
        self.shift_at = <double*>grown(NULL, (n + 1) * sizeof(double))
        self.saved_chosen = <Py_ssize_t*>grown(NULL, (n + 1) * sizeof(Py_ssize_t))
        self.saved_k = <long long*>grown(NULL, (n + 1) * sizeof(long long))
        self.saved_shift = <double*>grown(NULL, (n + 1) * sizeof(double))
        self.saved_at = <Py_ssize_t*>grown(NULL, (n + 2) * sizeof(Py_ssize_t))
        self.saved_n = self.saved_room = 0
        self.rounds_run = self.rounds_replayed = 0
        self.saved_points = []
        self.rounds = 0
        self.spent_at, self.change_at, self.least_to = [], [], []
        self.free_projects, self.first_offered = [], []
        self.spent_total = 0
        self.stopped = self.begun = False

    # --- what a caller reads -------------------------------------------------------------------

    @property
    def funded(self):
        """How many projects the run buys (free ones included)."""
        return len(self.free_projects) + sum(1 for r in range(self.rounds) if self.chosen[r] >= 0)

    @property
    def spent(self):
        return self.spent_total

    @property
    def over_limit(self):
        """Whether the run stopped once spending passed its cost limit."""
        return self.stopped

    def outcome(self):
        """The run in full (budgets.ees_outcome.EesOutcome, change points not filled in)."""
        cdef Py_ssize_t r, p
        found = EesOutcome()
        for p in self.free_projects:
            found.bought.append(p)
            found.round_of[p], found.payers[p] = 0, 0
            found.rho[p] = found.share[p] = Fraction(0)
        for r in range(self.rounds):
            p = self.chosen[r]
            if p < 0:
                break
            k = self.chosen_k[r]
            found.bought.append(p)
            found.round_of[p], found.payers[p] = r + 1, k
            found.share[p] = Fraction(self.costs[p], k)
            found.rho[p] = Fraction(self.costs[p], k * self.scale[p])
        found.dropped = {p: self.dropped_in[p] for p in range(self.projects) if self.dropped_in[p]}
        found.spent, found.over_limit = self.spent_total, self.stopped
        return found

    def change(self):
        """The least increase of the per-voter budget that changes the last run (add-opt)."""
        found = self.least_to[len(self.least_to) - 1] if self.least_to else None
        return None if found is None else found.exact() - self.b

    def change_skip(self):
        """The least increase at which a project the last run leaves out could be bought (add-opt-skip)."""
        cdef Py_ssize_t room = (self.rounds + 1) * (self.projects + 1), n = 0, r
        cdef Pair* pairs = <Pair*>grown(NULL, room * sizeof(Pair))
        try:
            for r in range(1, self.rounds + 1):
                self._offered_at(r)
                n = self._round_pairs(pairs, n, r, self.chosen[r - 1], self.chosen_k[r - 1], True)
            found = self._least_change(pairs, n)
        finally:
            free(pairs)
        return None if found is None else found.exact() - self.b

    def advance(self, per_voter, cost_limit=None, *, bint change_points=True):
        """Run at `per_voter` (not below the last run's), stopped once spending passes `cost_limit`.

        `change_points` (needed by `change` and by later calls) finds each redone round's change
        point; none are found for a stopped run."""
        if not self.begun:
            self.begun = True
            self._set_budget(per_voter)
            self._begin()
            self._rounds_from(1, cost_limit, change_points)
            return
        if len(self.change_at) < self.rounds or per_voter < self.b:
            raise ValueError("a sweep goes on only from a finished run with its change points, upwards")
        self._set_budget(per_voter)
        # The first round whose change point per_voter reaches: where the running least first does.
        cdef Py_ssize_t low = 0, high = len(self.least_to), middle
        while low < high:
            middle = (low + high) // 2
            point = self.least_to[middle]
            if point is not None and (<ChangePoint>point).reached(self.b, self.b_f):
                high = middle
            else:
                low = middle + 1
        if low == len(self.least_to):
            return
        if change_points:
            self._save_from(low + 1)
        self._resume(low + 1)
        self._rounds_from(low + 1, cost_limit, change_points)

    # --- the run -------------------------------------------------------------------------------

    cdef int _begin(self) except -1:
        """Buy the free projects, put the others on offer; their bounds on rho (all supporters pay)."""
        cdef Py_ssize_t p
        self.heap_n = self.offered_n = 0
        for p in range(self.projects):
            if self.supporters[p] == 0 or (self.costs[p] == 0 and self.cost_utility):
                continue
            if self.costs[p] == 0:
                self.free_projects.append(p)
                continue
            self.first_offered.append(p)
            self._table(p, 1)
            self.offered[self.offered_n] = p
            self.offered_n += 1
            self.alive[p] = 1
            self.heap[self.heap_n] = Entry(self.cost_f[p] / (self.supporters[p] * self.scale_f[p]), p)
            self.heap_n += 1
        return 0

    cdef int _offered_at(self, int round_no) except -1:
        """The projects on offer at a round's start (in `offered`): those not bought before it."""
        self.offered_n = 0
        for p in self.first_offered:
            if self.bought_in[<Py_ssize_t>p] == 0 or self.bought_in[<Py_ssize_t>p] >= round_no:
                self.offered[self.offered_n] = p
                self.offered_n += 1
        return 0

    cdef int _resume(self, int round_no) except -1:
        """Forget the rounds from `round_no` on; bounds on rho there from each project's latest table."""
        cdef Py_ssize_t r, p, i
        cdef long long k
        cdef Table latest
        for r in range(round_no - 1, self.rounds):
            if self.chosen[r] >= 0:
                self.bought_in[self.chosen[r]] = 0
        for p in range(self.projects):
            if self.dropped_in[p] >= round_no:
                self.dropped_in[p] = 0
        self.spent_total = self.spent_at[round_no - 1]
        self.stopped = False
        self._forget_from(round_no, self.classes_start[round_no - 1])
        self.rounds = round_no - 1
        del self.spent_at[round_no - 1 :]
        del self.change_at[round_no - 1 :]
        del self.least_to[round_no - 1 :]
        self._offered_at(round_no)
        self.heap_n = 0
        for i in range(self.offered_n):
            p = self.offered[i]
            latest = self._latest(p, round_no)  # every project on offer has its first round's table
            k = latest._payers(self.b, self.b_f, self.costs[p]) or self.supporters[p]
            self.heap[self.heap_n] = Entry(self.cost_f[p] / (k * self.scale_f[p]), p)
            self.heap_n += 1
            self.alive[p] = 1
        return 0

    cdef int _rounds_from(self, int round_no, cost_limit, bint change_points) except -1:
        """Run the rounds from `round_no` on. A resumed run replays the saved rounds after the one
        that changed where it can (`_replay`), and runs the others in full."""
        cdef Py_ssize_t p, at, log_start
        cdef long long k
        cdef int replayed
        # How far anyone's spending may have fallen against the saved run's, by this run's rounds so far.
        cdef double shift = 0.0, fell
        heapify(self.heap, self.heap_n)
        try:
            while True:
                self._start_round()
                self.classes_start[round_no - 1] = self.size
                self.spent_at.append(self.spent_total)
                at = round_no - self.saved_from
                if 0 < at < self.saved_n:
                    replayed = self._replay(round_no, at, shift, cost_limit)
                    if replayed == 2 or (replayed == 1 and self.chosen[round_no - 1] < 0):
                        return 0  # stopped by the cost limit, or the last round replayed
                    if replayed == 1:
                        round_no += 1
                        continue
                self.rounds_run += 1
                p = self._cheapest(round_no, &k)
                self.chosen[round_no - 1], self.chosen_k[round_no - 1] = p, k
                self.rounds = round_no
                if p < 0:
                    break
                self.bought_in[p] = round_no
                self.spent_total += self.costs[p]
                if cost_limit is not None and self.spent_total > cost_limit:
                    self.stopped = True
                    return 0
                if change_points:
                    self._found_change(self._round_change(round_no, p, k))
                self._take_off_offer(p)
                log_start = self.logged
                self._pay(p, self._table(p, round_no), k)
                if 0 <= at < self.saved_n:
                    fell = self._shift_since(at, p, k, log_start) if p == self.saved_chosen[at] else -1.0
                    if fell < 0.0:
                        self.saved_n = 0  # another purchase, or some payers left: replay no more
                    else:
                        shift += fell
                round_no += 1
            if change_points:
                self._found_change(self._round_change(round_no, -1, 0))
        finally:
            self.saved_n = 0
        return 0

    cdef int _take_off_offer(self, Py_ssize_t p) except -1:
        """p is bought this round: no longer on offer."""
        cdef Py_ssize_t i
        for i in range(self.offered_n):
            if self.offered[i] == p:
                self.offered[i] = self.offered[self.offered_n - 1]
                self.offered_n -= 1
                break
        self.alive[p] = 0
        return 0

    cdef int _save_from(self, int round_no) except -1:
        """Keep the rounds from `round_no` on (the run's last), for the resumed run to replay."""
        cdef Py_ssize_t i, count = self.rounds - round_no + 1
        cdef Py_ssize_t start = self.log_at[round_no - 1], size = self.logged - start
        if size > self.saved_room:
            self.saved_room = 2 * size
            self.saved_moves = <int*>grown(self.saved_moves, self.saved_room * sizeof(int))
        if size:
            memcpy(self.saved_moves, self.moves + start, size * sizeof(int))
        for i in range(count):
            self.saved_chosen[i] = self.chosen[round_no - 1 + i]
            self.saved_k[i] = self.chosen_k[round_no - 1 + i]
            self.saved_shift[i] = self.shift_at[round_no - 1 + i]
            self.saved_at[i] = self.log_at[round_no - 1 + i] - start
        self.saved_at[count] = size
        self.saved_points = self.change_at[round_no - 1 :]
        self.saved_from, self.saved_n = round_no, count
        return 0

    cdef double _shift_since(self, Py_ssize_t at, Py_ssize_t p, long long k, Py_ssize_t log_start) except -2.0:
        """How far a voter's spending may fall by this round's purchase of p with k payers (its
        types moved from `log_start` in the log) against the saved run's purchase of p: c / k_saved
        - c / k where more pay (the earlier payers' share falls), nothing where fewer or as many do
        (it rises or stays). A saved payer who pays no more must have spent all of b: then it spends
        more than in the saved run at every later round and never pays again (its class, which may
        hold voters who paid in a later saved round and voters who did not, fails `_replay`'s check
        that a paying class affords its share). Where one had money left, -1: its spending fell by a
        whole share, and its class may mix voters of later saved payer lists."""
        cdef long long saved_k = self.saved_k[at]
        cdef Py_ssize_t i, first = self.saved_at[at], last = self.saved_at[at + 1]
        cdef bint spent_all = True
        for i in range(log_start, self.logged):
            self.type_mark[self.moves[i]] = 1
        try:
            for i in range(first, last):
                if not self.type_mark[self.saved_moves[i]] and not self._spent_all(self.type_class[self.saved_moves[i]]):
                    spent_all = False
                    break
        finally:
            for i in range(log_start, self.logged):
                self.type_mark[self.moves[i]] = 0
        if not spent_all:
            return -1.0
        return max(0.0, self.cost_f[p] / saved_k - self.cost_f[p] / k)

    cdef bint _spent_all(self, Py_ssize_t c) except -1:
        """Whether the voters of class c have spent all of b (exactly)."""
        return self.cells[2 * c] >= self.b_f * (1 - TOL_C) and self.class_spent(c) == self.b

    cdef int _replay(self, int round_no, Py_ssize_t at, double shift, cost_limit) except -1:
        """Run a round as the saved run did, if it is the same: 1 done, 2 done and over the cost
        limit, 0 not done (the round must be run in full).

        Earlier rounds of this run differ from the saved run's only in ways that lowered anyone's
        spending by at most `shift` (some voters spend more: that only raises c / k + s). The round's
        change point, the least c / k + s over its pairs, fell by at most its saved shift plus
        `shift`, so where that bound is above the least change point of the rounds before, the round
        keeps its purchase at b and cannot be the least; otherwise its change point is computed on the
        state as it is, and the round is the same at b if that is above b. The same voters then pay:
        one who did not pay in the saved run but could now would give the project a payer more, and a
        voter who spends more now is checked to afford the share. They are whole classes: no earlier
        round of this run lost a payer of the saved run's who had money left, so voters who share a
        class now shared one there, or have spent all of b and fail that check. The change point
        kept is the bound, or the computed one."""
        cdef Py_ssize_t p = self.saved_chosen[at], c, log_start, size
        cdef long long k = self.saved_k[at]
        cdef double drop = self.saved_shift[at] + shift, low
        cdef ChangePoint point = self.saved_points[at]
        cdef ChangePoint least = self._least()
        if point is None:
            drop = 0.0  # no change point: none whatever anyone spends
        elif drop > 0.0:
            low = point.value_f * (1 - TOL_C) - drop * (1 + TOL_C)
            if least is None or not low > least.value_f * (1 + TOL_C):
                point = self._round_change(round_no, p, k)
                drop = 0.0
        if point is not None and drop == 0.0 and point.reached(self.b, self.b_f):
            return 0
        if p < 0:
            self.chosen[round_no - 1], self.chosen_k[round_no - 1] = -1, 0
            self.rounds = round_no
            self._found_change(point, drop)
            self.rounds_replayed += 1
            return 1
        log_start, size = self.logged, self.size
        self._pay_types(p, self.saved_moves + self.saved_at[at], self.saved_at[at + 1] - self.saved_at[at], k)
        for c in range(size, self.size):
            if self.cells[2 * c] > self.b_f * (1 - TOL_C) and self.class_spent(c) > self.b:
                self._unpay(log_start, size)
                return 0  # a voter who spends more now can no longer pay
        self.chosen[round_no - 1], self.chosen_k[round_no - 1] = p, k
        self.rounds = round_no
        self.bought_in[p] = round_no
        self.spent_total += self.costs[p]
        if cost_limit is not None and self.spent_total > cost_limit:
            self._unpay(log_start, size)  # as a run stopped by the limit, which pays nothing
            self.stopped = True
            return 2
        self._found_change(point, drop)
        self._take_off_offer(p)
        self.rounds_replayed += 1
        return 1

    cdef Py_ssize_t _cheapest(self, int round_no, long long* payers) except -2:
        """The project with the lowest exact rho this round (-1: none) and its payers; drops
        unaffordable ones.

        The heap holds lower bounds on rho (a project's payers only fall within a run): every
        project whose bound is within reach of the best fresh rho is evaluated, the rest cannot be
        cheapest. For the same reason a project that no group could pay for on its latest table
        (an earlier round's) is dropped without this round's: most projects a resumed run drops
        are settled so."""
        cdef Py_ssize_t best = -1, p, fresh_n = 0, i
        cdef long long k, best_k = 0
        cdef double best_f = INFINITY, rho_f
        cdef Entry top
        cdef Table latest
        while self.heap_n and self.heap[0].key <= best_f * (1 + TOL_C):
            top = pop(self.heap, &self.heap_n)
            p = top.project
            if not self.alive[p]:
                continue
            latest = self._latest(p, round_no)
            if latest is not None and latest._payers(self.b, self.b_f, self.costs[p]) == 0:
                k = 0  # then on this round's table too
            else:
                k = self._table(p, round_no)._payers(self.b, self.b_f, self.costs[p])
            if k == 0:
                self.alive[p] = 0
                self.dropped_in[p] = round_no
                continue
            rho_f = self.cost_f[p] / (k * self.scale_f[p])
            self.fresh[fresh_n] = Entry(rho_f, p)
            fresh_n += 1
            if best < 0 or self._cheaper(p, k, best, best_k):
                best, best_k, best_f = p, k, rho_f
        for i in range(fresh_n):
            push(self.heap, &self.heap_n, self.fresh[i])
        payers[0] = best_k
        return best

    cdef bint _cheaper(self, Py_ssize_t p, long long k, Py_ssize_t q, long long k_q) except -1:
        """Whether p with k payers has a lower rho than q with k_q, or an equal one and comes first
        in the tie order: by the floats unless within TOL, then exactly."""
        cdef double here = self.cost_f[p] * (k_q * self.scale_f[q]), there = self.cost_f[q] * (k * self.scale_f[p])
        if here < there * (1 - TOL_C):
            return True
        if here > there * (1 + TOL_C):
            return False
        exact_here = self.costs[p] * (k_q * self.scale[q])
        exact_there = self.costs[q] * (k * self.scale[p])
        return exact_here < exact_there or (exact_here == exact_there and self.rank[p] < self.rank[q])

    cdef ChangePoint _least(self):
        """The least change point of the rounds so far (None: none)."""
        return self.least_to[len(self.least_to) - 1] if self.least_to else None

    cdef int _found_change(self, ChangePoint point, double drop=0.0) except -1:
        """Keep the change point of the round just run, and the least so far. A replayed round's
        may have fallen by up to `drop` since it was computed (then it is above the least so far)."""
        self.shift_at[len(self.change_at)] = drop
        self.change_at.append(point)
        least = self._least()
        if point is not None and drop == 0.0 and (least is None or point.below(<ChangePoint>least)):
            least = point
        self.least_to.append(least)
        return 0

    cdef ChangePoint _round_change(self, int round_no, Py_ssize_t chosen, long long k):
        """The change point of a round that bought `chosen` with k payers (-1: the round after the
        last purchase)."""
        return self._least_change(self.pairs, self._round_pairs(self.pairs, 0, round_no, chosen, k, False))

    cdef Py_ssize_t _round_pairs(
        self, Pair* pairs, Py_ssize_t n, int round_no, Py_ssize_t chosen, long long k, bint skip
    ) except -1:
        """Add to `pairs[n:]` the projects on offer (`offered`) that could change a round that
        bought `chosen` with k payers (-1: any payer would), each with the fewest payers with which
        it would beat the choice and a lower bound on when from its latest table up to the round;
        with `skip`, only projects the run does not buy (add-opt-skip). Returns the new count."""
        cdef Py_ssize_t i, q
        cdef long long need
        cdef double x
        cdef Table table
        for i in range(self.offered_n):
            q = self.offered[i]
            if skip and self.bought_in[q] > 0:
                continue
            if chosen < 0:
                need = 1
            elif q == chosen:
                need = k + 1
            else:
                # q's rho with j payers is c_q / (j * scale_q), below the round's c / (k * scale)
                # iff j > x = c_q * k * scale / (scale_q * c), a tie won by q where it comes first
                # in the tie order. The float quotient decides unless it is within TOL of a whole
                # number; then the integers do.
                x = self.cost_f[q] * (k * self.scale_f[chosen]) / (self.scale_f[q] * self.cost_f[chosen])
                if x > self.supporters[q] + 1:
                    continue  # it would need more payers than it has supporters
                if x >= 0 and fabs(x - <double>(<long long>(x + 0.5))) > TOL_C * (1 + x):
                    need = <long long>x + 1  # x is not whole: its ceiling, and its floor plus one
                else:
                    above = self.costs[q] * (k * self.scale[chosen])
                    below = self.scale[q] * self.costs[chosen]
                    need = max(1, -(-above // below)) if self.rank[q] < self.rank[chosen] else above // below + 1
            if need <= self.supporters[q]:
                table = self._latest(q, round_no)
                pairs[n] = Pair(0.0 if table is None else table._lower_bound(need), round_no, q, need)
                n += 1
        return n

    cdef ChangePoint _least_change(self, Pair* pairs, Py_ssize_t n):
        """The least c / k + s over the pairs (budgets.ees_engine), None when there are none.

        Pairs are tried in the order of their lower bounds, a bound refreshed from the latest table
        up to its round before its table is computed; the search stops once no bound is within TOL
        of the best float least, and the pairs within TOL of it are kept to decide exactly."""
        cdef double best_f = INFINITY, least_f, fresh
        cdef Pair top
        cdef Table table, latest
        cdef Py_ssize_t i
        found = []
        heapify(pairs, n)
        while n and pairs[0].bound <= best_f * (1 + TOL_C):
            top = pop(pairs, &n)
            table = self._exactly(top.project, top.round_no)
            if table is None:
                latest = self._latest(top.project, top.round_no)
                fresh = 0.0 if latest is None else latest._lower_bound(top.need)
                if fresh > top.bound:
                    top.bound = fresh
                    push(pairs, &n, top)
                    continue
                table = self._table(top.project, top.round_no)
            least_f = table._lower_bound(top.need)
            if least_f == INFINITY:
                continue
            found.append((least_f, table, top.need, self.costs[top.project]))
            if least_f < best_f:
                best_f = least_f
        if not found:
            return None
        near = best_f * (1 + TOL_C)
        return ChangePoint(best_f, [(table, need, cost) for f, table, need, cost in found if f <= near])
