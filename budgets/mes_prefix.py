"""Voter classes of a MES purchase sequence, which do not depend on the per-voter budget.

Every supporter of a bought project pays min(budget, price x weight), so after some purchases a
voter type's class (the types holding the same budget) is fixed by which of the bought projects it
supports and with what weight, whatever the per-voter budget: the partition of types into classes,
and how many supporters of each project sit in each class (its cells), are the same at every level
whose run makes the same purchases in the same order. Only the classes' budgets differ (a class
that paid everything simply holds zero).

A PrefixTrie keeps that level-independent part along the last purchase sequence it was walked
with: one node per purchase, with the types' classes as an array, the class moves of the purchase
and the cells computed so far. A run at another level walks the same nodes while its purchases
agree, so it computes only its classes' budgets (one number per class a purchase touches)
instead of moving and counting tens of thousands of voter types; where its purchases differ, it
extends the trie there and the nodes of the old branch are let go. Types are moved as numpy
arrays, since cities have tens of thousands of distinct ballots, and a project's supporters are
counted into cells by a compiled loop (budgets.mes_float_loops.count_cells: most projects have a
few dozen supporting types, where numpy calls cost more to start than to run); the exact engine
reads the results as plain lists and tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from budgets.mes_float_loops import count_cells
from budgets.mes_problem import MesProblem

if TYPE_CHECKING:
    from budgets.mes_float_loops import CellBlock

# (class before, weight) of a class a purchase makes; a node lists them in the order of their ids.
Move = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Cells:
    """A project's supporters by cell (class, weight), as parallel lists for the exact engine.

    Row i is `counts[i]` supporters in class `classes[i]` giving weight `weights[i]` (1 for unit
    weights); `units` is the sum of weight x count. Cells of zero-budget classes are included.
    """

    classes: list[int]
    weights: list[int]
    counts: list[int]
    units: int


IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


class PrefixNode:
    """The classes after one purchase sequence; `classes` ids are 0 .. classes - 1 along the path."""

    __slots__ = (
        "_moves",
        "cell_arrays",
        "cells",
        "child",
        "child_project",
        "classes",
        "float_cells",
        "move_arrays",
        "type_class",
    )

    def __init__(
        self,
        type_class: IntArray,
        classes: int,
        move_arrays: tuple[IntArray, IntArray],
    ) -> None:
        self.type_class = type_class
        self.classes = classes
        # The purchase's moves, (class before, weight) per new class in id order, as arrays.
        self.move_arrays = move_arrays
        self._moves: list[Move] | None = None
        self.cells: dict[int, Cells] = {}
        self.cell_arrays: dict[int, tuple[IntArray, FloatArray]] = {}
        # `cell_arrays` as the float run reads them (classes, weights, counts), made when it asks.
        self.float_cells: dict[int, CellBlock] = {}
        self.child: PrefixNode | None = None
        self.child_project = -1

    @property
    def moves(self) -> list[Move]:
        """The moves as a list of pairs for the exact engine (made when it first asks)."""
        if self._moves is None:
            old, weights = self.move_arrays
            self._moves = list(zip(old.tolist(), weights.tolist(), strict=True))
        return self._moves


class PrefixTrie:
    """Shared by the MES runs of one problem at different per-voter budgets (not thread-safe)."""

    def __init__(self, problem: MesProblem) -> None:
        self.problem = problem
        types = len(problem.types.multiplicity)
        empty = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
        self.root = PrefixNode(np.zeros(types, dtype=np.intp), 1, empty)
        self.nodes_built = 0
        self._multiplicity = np.asarray(problem.types.multiplicity, dtype=np.float64)
        self._support: dict[int, tuple[IntArray, FloatArray, IntArray]] = {}
        # Unit weights, sliced for any project (read only).
        self._ones = np.ones(max(types, 1), dtype=np.intp)
        self._ones.flags.writeable = False
        # Where every run starts, at any level: the free purchases, and for the float runs'
        # compiled rounds the projects the rounds consider (MesProblem.opening, 1 or 0), floors
        # under their rhos (rho_floors; infinite for the others), and costs, utility scales and
        # supporter counts as floats.
        self.free, live = problem.opening()
        self.live = np.asarray(live, dtype=np.uint8)
        self.floors = np.full(len(problem.costs), np.inf)
        for low, p in problem.rho_floors(live):
            self.floors[p] = low
        self.float_costs = np.asarray(problem.costs, dtype=np.float64)
        self.float_scale = np.asarray(problem.scale, dtype=np.float64)
        self.float_supporters = np.asarray(problem.supporter_counts, dtype=np.float64)

    def _supporters(self, project: int) -> tuple[IntArray, FloatArray, IntArray]:
        """The project's supporting voter types, how many voters cast each, and the weight each gives."""
        found = self._support.get(project)
        if found is None:
            types = self.problem.types
            supporters = np.asarray(types.supporters[project], dtype=np.intp)
            if self.problem.unit:
                weights = self._ones[: len(supporters)]
            else:
                weights = np.fromiter(
                    (types.weight(t, project) for t in types.supporters[project]),
                    dtype=np.intp,
                    count=len(supporters),
                )
            found = (supporters, self._multiplicity[supporters], weights)
            self._support[project] = found
        return found

    def _cells(self, node: PrefixNode, project: int) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """The project's supporting types, their distinct cell keys (class x width + weight; the
        class for unit weights) in increasing order, each type's index among them, and each
        cell's count of voters (budgets.mes_float_loops.count_cells)."""
        supporters, many, weights = self._supporters(project)
        unit = self.problem.unit
        size = node.classes * (1 if unit else self.problem.width)
        keys, where, counts = count_cells(
            node.type_class, supporters, many, weights, self.problem.width, size, unit
        )
        return supporters, keys, where, counts

    def split(self, keys: IntArray) -> tuple[IntArray, IntArray]:
        """Cell keys (see `cell_arrays`) as their classes and weights."""
        if self.problem.unit:
            return keys, self._ones[: len(keys)]
        classes, weights = np.divmod(keys, self.problem.width)
        return classes, weights

    def cell_arrays(self, node: PrefixNode, project: int) -> tuple[IntArray, FloatArray]:
        """The project's cells as arrays: keys (class x width + weight; the class for unit weights) in
        increasing order, and their counts."""
        found = node.cell_arrays.get(project)
        if found is None:
            _, keys, _, counts = self._cells(node, project)
            found = (keys, counts)
            node.cell_arrays[project] = found
        return found

    def cells(self, node: PrefixNode, project: int) -> Cells:
        """How many supporters sit in each cell (class, weight), as lists; shared, read only."""
        found = node.cells.get(project)
        if found is None:
            keys, counts = self.cell_arrays(node, project)
            many = counts.astype(np.int64)
            classes, weights = self.split(keys)
            units = int((weights * many).sum())
            found = Cells(classes.tolist(), weights.tolist(), many.tolist(), units)
            node.cells[project] = found
        return found

    def child(self, node: PrefixNode, project: int) -> PrefixNode:
        """The node after `node`'s purchases and then `project` (built and kept if new)."""
        if node.child_project == project and node.child is not None:
            return node.child
        # One new class per (class, weight) among the supporters, numbered in key order.
        supporters, found, new, _ = self._cells(node, project)
        first = node.classes
        type_class = node.type_class.copy()
        type_class[supporters] = first + new
        child = PrefixNode(type_class, first + len(found), self.split(found))
        node.child, node.child_project = child, project
        self.nodes_built += 1
        return child
