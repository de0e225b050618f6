"""Voter classes of a MES purchase sequence, which do not depend on the per-voter budget.

Every supporter of a bought project pays min(budget, price x weight), so after some purchases a
voter type's class (the types holding the same budget) is fixed by which of the bought projects it
supports and with what weight, whatever the per-voter budget: the partition of types into classes,
and how many supporters of each project sit in each class (its cells), are the same at every level
whose run makes the same purchases in the same order. Only the classes' budgets differ (a class
that paid everything simply holds zero).

A PrefixTrie keeps that level-independent part along the last purchase sequence it was walked
with: one node per purchase, with the types' classes as a list, the class moves of the purchase
and the cells computed so far. A run at another level walks the same nodes while its purchases
agree, so it computes only its classes' exact budgets (one number per class a purchase touches)
instead of moving and counting tens of thousands of voter types; where its purchases differ, it
extends the trie there and the nodes of the old branch are let go.
"""

from __future__ import annotations

from collections import Counter, deque
from itertools import repeat
from operator import add, mul

from budgets.mes_problem import MesProblem

# (class before, weight, class after), in the order of the new class ids.
Move = tuple[int, int, int]


class PrefixNode:
    """The classes after one purchase sequence; `classes` ids are 0 .. classes - 1 along the path."""

    __slots__ = ("cells", "child", "child_project", "classes", "moves", "type_class")

    def __init__(self, type_class: list[int], classes: int, moves: tuple[Move, ...]) -> None:
        self.type_class = type_class
        self.classes = classes
        self.moves = moves
        self.cells: dict[int, dict[int, int]] = {}
        self.child: PrefixNode | None = None
        self.child_project = -1


class PrefixTrie:
    """Shared by the MES runs of one problem at different per-voter budgets (not thread-safe)."""

    def __init__(self, problem: MesProblem) -> None:
        self.problem = problem
        self.root = PrefixNode([0] * len(problem.types.multiplicity), 1, ())
        self.nodes_built = 0

    def cells(self, node: PrefixNode, project: int) -> dict[int, int]:
        """How many supporters sit in each cell: key class * width + weight (class, for unit weights).

        Cells of zero-budget classes are included; they pay nothing. The dict is shared: read only.
        """
        found = node.cells.get(project)
        if found is not None:
            return found
        problem = self.problem
        if node is self.root:
            # Nobody has paid yet: every supporter is in the first class.
            if problem.unit:
                found = {0: problem.supporter_counts[project]}
            else:
                found = dict(Counter(problem.weights_of[project]))
        else:
            classes = map(node.type_class.__getitem__, problem.voters_of[project])
            if problem.unit:
                found = dict(Counter(classes))
            else:
                keys = map(add, map(mul, classes, repeat(problem.width)), problem.weights_of[project])
                found = dict(Counter(keys))
        node.cells[project] = found
        return found

    def child(self, node: PrefixNode, project: int) -> PrefixNode:
        """The node after `node`'s purchases and then `project` (built and kept if new)."""
        if node.child_project == project and node.child is not None:
            return node.child
        problem = self.problem
        types = problem.types
        supporters = types.supporters[project]
        old = list(map(node.type_class.__getitem__, supporters))
        first = node.classes
        moves: list[Move]
        # One new class per (class, weight) among the supporters, numbered in order of appearance.
        keys: list[int]
        if problem.unit:
            keys = old
        else:
            width = problem.width
            keys = [c * width + types.weight(t, project) for c, t in zip(old, supporters, strict=True)]
        found = list(dict.fromkeys(keys))
        new_of = dict(zip(found, range(first, first + len(found)), strict=True))
        if problem.unit:
            moves = [(c, 1, first + i) for i, c in enumerate(found)]
        else:
            moves = [(*divmod(k, problem.width), first + i) for i, k in enumerate(found)]
        new = map(new_of.__getitem__, keys)
        type_class = node.type_class.copy()
        deque(map(type_class.__setitem__, supporters, new), maxlen=0)
        child = PrefixNode(type_class, first + len(moves), tuple(moves))
        node.child, node.child_project = child, project
        self.nodes_built += 1
        return child
