"""The state of an Exact Equal Shares run: supporters as arrays, each class's spending, per-round tables.

Voter types are grouped in classes of equal spending (budgets.ees_engine says why spending does not
depend on the per-voter budget). A run keeps, per class, its spending as a float and, on demand,
exactly; and per (project, round), a table of the project's supporters by spending, from which the
engine reads how many can pay a share and the least per-voter budget at which k of them could
(tables are built and read by compiled loops, budgets.ees_loops). The engine (budgets.ees_engine)
decides rounds and change points from these.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from budgets.ees_loops import ProjectNumbers, Table, class_table, move_payers, new_classes, undo_moves
from budgets.mes_problem import MesProblem


@dataclass(frozen=True, slots=True)
class SupporterArrays:
    """Each project's supporting voter types and their multiplicities, as arrays for counting by class.

    Built once per problem and shared by the runs of a completion: a project's blocks are then one
    weighted count of its supporters' classes in C (numpy) instead of a loop over its voters.
    """

    types: tuple[npt.NDArray[np.intp], ...]
    counts: tuple[npt.NDArray[np.float64], ...]

    @classmethod
    def of(cls, problem: MesProblem) -> SupporterArrays:
        """The arrays of a problem (multiplicities as floats, exact below 2**53, for bincount)."""
        multiplicity = np.array(problem.types.multiplicity, dtype=np.float64)
        types = tuple(np.array(s, dtype=np.intp) for s in problem.types.supporters)
        return cls(types, tuple(multiplicity[t] for t in types))


class Spending:
    """What each voter of a class has spent: a float always, the exact value when first asked for.

    A class is made by its voters paying one share from an earlier class, so its exact spending is
    the earlier class's plus the share; most classes are never compared exactly, and making their
    Fractions would dominate a run. The floats carry a rounding error far below the relative gap
    below which budgets.ees_loops orders classes by their exact spending.
    """

    def __init__(self) -> None:
        self.size = 1
        # Per class, side by side: what each voter has spent (a float) and a count the compiled
        # tables keep at zero between uses (budgets.ees_loops.class_table).
        self.cells: npt.NDArray[np.float64] = np.zeros((256, 2))
        # Zeros kept for the compiled loops (budgets.ees_loops): an id per class.
        self.moved: npt.NDArray[np.int32] = np.zeros(256, dtype=np.int32)
        self.parent: npt.NDArray[np.intp] = np.zeros(256, dtype=np.intp)
        self.exact: dict[int, Fraction] = {0: Fraction(0)}  # the classes computed exactly so far
        self.batch_start: list[int] = [0]  # classes batch_start[i] .. made by paying batch_share[i]
        self.batch_share: list[Fraction] = [Fraction(0)]

    def extend(self, parents: npt.NDArray[np.intp], share: Fraction) -> int:
        """New classes, one per parent class: its voters after paying `share`; returns the first id."""
        first, n = self.size, len(parents)
        if first + n > len(self.cells):
            capacity = 2 * (first + n)
            self.cells = np.resize(self.cells, (capacity, 2))
            self.cells[first:, 1] = 0.0
            self.parent = np.resize(self.parent, capacity)
            self.moved = np.zeros(capacity, dtype=np.int32)
        new_classes(self.cells, self.parent, parents, first, float(share))
        self.batch_start.append(first)
        self.batch_share.append(share)
        self.size = first + n
        return first

    def of(self, c: int) -> Fraction:
        """The exact spending of class c (kept once computed)."""
        chain = []
        exact = self.exact
        found = exact.get(c)
        while found is None:
            chain.append(c)
            c = int(self.parent[c])
            found = exact.get(c)
        for c in reversed(chain):
            found = exact[c] = found + self.batch_share[bisect_right(self.batch_start, c) - 1]
        return found

    def truncate(self, size: int) -> None:
        """Forget the classes from id `size` on (made by rounds that a resumed run redoes)."""
        self.size = size
        self.exact = {c: found for c, found in self.exact.items() if c < size}
        while self.batch_start[-1] >= size:
            self.batch_start.pop()
            self.batch_share.pop()


class EesRun:
    """The state of one run as it goes: everyone's class, the classes' spending, tables per round."""

    def __init__(self, problem: MesProblem, arrays: SupporterArrays) -> None:
        self.problem = problem
        self.arrays = arrays
        self.b = Fraction(0)
        self.b_f = 0.0
        self.spending = Spending()
        types = len(problem.types.multiplicity)
        self.type_class: npt.NDArray[np.int32] = np.zeros(types, dtype=np.int32)
        self.history: dict[tuple[int, int], Table] = {}  # (project, round) -> table at the round's start
        self.rounds_of: list[list[int]] = [[] for _ in problem.costs]  # rounds with a table, ascending
        self.newest: list[Table | None] = [None for _ in problem.costs]  # each project's latest table
        self.built: list[list[int]] = []  # the projects with a table, per round
        order = sorted(range(len(problem.costs)), key=problem.tie_key)
        self.tie_rank = [0] * len(order)  # rank in the tie order (lower cost, more supporters, earlier)
        for rank, p in enumerate(order):
            self.tie_rank[p] = rank
        self.numbers = ProjectNumbers(problem.costs, problem.scale, problem.supporter_counts, self.tie_rank)
        # The types each purchase moved, in order (grown by doubling), and where each round's begin:
        # going back to a round's start takes back the moves logged from there.
        self.moves: npt.NDArray[np.int32] = np.zeros(max(types, 256), dtype=np.int32)
        self.logged = 0
        self.log_at: list[int] = []
        self.started = 0

    def set_budget(self, per_voter: Fraction) -> None:
        self.b = per_voter
        self.b_f = float(per_voter)

    def start_round(self) -> None:
        """Start the next round: its moves are logged from here."""
        self.log_at.append(self.logged)
        self.started += 1

    def classes_at(self, round_no: int) -> npt.NDArray[np.int32]:
        """Everyone's class at the start of a round so far (the current one's: as they are now)."""
        if round_no >= self.started:
            return self.type_class
        found = self.type_class.copy()
        undo_moves(found, self.moves[self.log_at[round_no - 1] : self.logged], self.spending.parent)
        return found

    def forget_from(self, round_no: int, classes: int) -> None:
        """Go back to the start of a round: its tables stay, later ones go."""
        undo_moves(self.type_class, self.moves[self.log_at[round_no - 1] : self.logged], self.spending.parent)
        self.logged = self.log_at[round_no - 1]
        del self.log_at[round_no - 1 :]
        self.started = round_no - 1
        touched = set()
        for _ in range(len(self.built) - round_no):  # latest round first: each is its project's last
            for p in self.built.pop():
                del self.history[p, self.rounds_of[p].pop()]
                touched.add(p)
        for p in touched:
            rounds = self.rounds_of[p]
            self.newest[p] = self.history[p, rounds[-1]] if rounds else None
        self.spending.truncate(classes)

    def table(self, p: int, round_no: int) -> Table:
        """The blocks of p's supporters at the start of a round (the current one, or an earlier one)."""
        found = self.history.get((p, round_no))
        if found is not None:
            return found
        problem = self.problem
        cost = problem.costs[p]
        spending = self.spending
        if round_no == 1:
            n = problem.supporter_counts[p]
            single = np.array([cost / n])
            first = np.zeros(1, dtype=np.intp)
            found = Table(first, np.array([n], dtype=np.int64), single, single, round_no, spending.of)
        else:
            classes = self.classes_at(round_no)
            types, counts = self.arrays.types[p], self.arrays.counts[p]
            cells = spending.cells[: spending.size]
            found = class_table(classes, types, counts, cells, cost, round_no, spending.of)
        self.history[p, round_no] = found
        insort(self.rounds_of[p], round_no)
        while len(self.built) < round_no:
            self.built.append([])
        self.built[round_no - 1].append(p)
        newest = self.newest[p]
        if newest is None or newest.round_no < round_no:
            self.newest[p] = found
        return found

    def spent(self, c: int) -> Fraction:
        """What each voter in class c has spent, exactly."""
        return self.spending.of(c)

    def has_table(self, p: int, round_no: int) -> bool:
        return (p, round_no) in self.history

    def latest(self, p: int, round_no: int) -> Table | None:
        """p's table at the latest round up to `round_no` that has one (its newest table for the
        round being run or a later one: no later round has tables yet)."""
        if round_no >= self.started:
            return self.newest[p]
        rounds = self.rounds_of[p]
        i = bisect_right(rounds, round_no)
        return None if i == 0 else self.history[p, rounds[i - 1]]

    def tables_at(self, round_no: int) -> list[Table | None]:
        """Each project's table at the latest round up to `round_no` that has one (None: no table)."""
        if round_no >= self.started:
            return self.newest
        return [self.latest(p, round_no) for p in range(len(self.newest))]

    def bound(self, p: int, round_no: int, need: int) -> float:
        """A lower bound on p's c / k + s over k >= need in a round, from its latest table up to it."""
        found = self.latest(p, round_no)
        return 0.0 if found is None else found.lower_bound(need)

    def payers(self, p: int, table: Table) -> int:
        """The most supporters who can split p's cost equally (0: none): the last block with c/k + s <= b."""
        return table.payers(self.b, self.b_f, self.problem.costs[p])

    def pay(self, p: int, table: Table, k: int, share: Fraction) -> None:
        """The k richest supporters (whole classes) pay `share` each and move to new classes.

        Each paying class gets its own new class, even where two end up with equal spending: such
        classes sort next to each other, and neither a payer count nor a change point ever separates
        them (the poorer-ranked one's c / k is smaller).
        """
        spending = self.spending
        payers = table.paying(k)
        first = spending.extend(payers, share)
        supporters = self.arrays.types[p]
        if self.logged + len(supporters) > len(self.moves):
            self.moves = np.resize(self.moves, 2 * (self.logged + len(supporters)))
        self.logged = move_payers(
            self.type_class, supporters, payers, first, spending.moved, self.moves, self.logged
        )
