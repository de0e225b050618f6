"""The EES run's compiled tables (budgets.ees_loops) agree with plain numpy and Fractions.

The reference below is what the run did in numpy before the tables were compiled: a weighted
count of the supporters' classes, a stable sort by float spending with runs of near-equal
neighbours ordered by exact spending, cumulative counts, c / k + s and their suffix minima.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets.ees_loops import TOL, Table, class_table, move_payers, undo_moves
from tests.budgets.pabulib_files import IN_CI

ORDER_TOL = 1e-12
TABLES = settings(max_examples=200, deadline=None, derandomize=IN_CI, print_blob=True)


def reference(type_class, supporters, many, exact: list[Fraction], cost: int):
    spent_f = np.array([float(x) for x in exact])
    cells = np.bincount(type_class[supporters], weights=many, minlength=len(exact))
    classes = np.flatnonzero(cells)
    order = classes[np.argsort(spent_f[classes], kind="stable")].tolist()
    values = spent_f[order]
    close = np.diff(values) <= ORDER_TOL * (1 + np.abs(values[1:]))
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or not close[i - 1]:
            order[start:i] = sorted(order[start:i], key=exact.__getitem__)
            start = i
    ends = np.cumsum(cells[order])
    value_f = cost / ends + spent_f[order]
    return order, ends.astype(np.int64).tolist(), value_f, np.minimum.accumulate(value_f[::-1])[::-1]


def class_cells(exact: list[Fraction]) -> np.ndarray:
    """The classes' cells as a run keeps them: each class's float spending, and a zero count."""
    cells = np.zeros((len(exact), 2))
    cells[:, 0] = [float(x) for x in exact]
    return cells


@st.composite
def class_states(draw):
    """Classes with exact spending (some equal, some a hair apart), types in them, a project's supporters."""
    levels = draw(st.lists(st.fractions(0, 50, max_denominator=7), min_size=1, max_size=12))
    exact = [Fraction(0)]
    for _ in range(draw(st.integers(1, 300))):
        base = draw(st.sampled_from(levels))
        exact.append(base + draw(st.sampled_from([0, 0, Fraction(1, 10**15), Fraction(-1, 10**15)])))
    types = draw(st.integers(1, 400))
    type_class = np.array(draw(st.lists(st.integers(0, len(exact) - 1), min_size=types, max_size=types)))
    chosen = draw(st.sets(st.integers(0, types - 1), min_size=1))
    supporters = np.array(sorted(chosen), dtype=np.intp)
    many = np.array(draw(st.lists(st.integers(1, 5), min_size=len(chosen), max_size=len(chosen))), float)
    return type_class.astype(np.int32), supporters, many, exact, draw(st.integers(1, 10**9))


@TABLES
@given(class_states())
def test_a_table_is_the_numpy_one(state) -> None:
    type_class, supporters, many, exact, cost = state
    cells = class_cells(exact)
    table = class_table(type_class, supporters, many, cells, cost, 2, exact.__getitem__)
    order, ends, value_f, suffix_f = reference(type_class, supporters, many, exact, cost)
    assert table.classes.tolist() == order
    assert table.ends.tolist() == ends
    assert table.value_f.tolist() == value_f.tolist()
    assert table.suffix_f.tolist() == suffix_f.tolist()
    assert not cells[:, 1].any()
    # The exact spending always ascends: the floats decide only where they are far apart.
    spent = [exact[c] for c in order]
    assert spent == sorted(spent)


@TABLES
@given(class_states(), st.fractions(0, 80), st.integers(1, 400))
def test_a_tables_reads_match_fractions(state, per_voter: Fraction, need: int) -> None:
    type_class, supporters, many, exact, cost = state
    table = class_table(type_class, supporters, many, class_cells(exact), cost, 2, exact.__getitem__)
    ends, classes = table.ends.tolist(), table.classes.tolist()
    values = [Fraction(cost, k) + exact[c] for k, c in zip(ends, classes, strict=True)]
    assert table.payers(per_voter, float(per_voter), cost) == max(
        (k for k, v in zip(ends, values, strict=True) if v <= per_voter), default=0
    )
    later = [v for k, v in zip(ends, values, strict=True) if k >= need]
    assert table.least(need, cost) == (min(later) if later else None)
    bound = table.lower_bound(need)
    assert bound == float("inf") if not later else bound <= float(min(later)) * (1 + TOL)
    for k in ends:
        assert table.paying(k).tolist() == classes[: ends.index(k) + 1]


def test_classes_a_denormal_apart_are_ordered_exactly() -> None:
    # Enough classes for the bucket sort, spending so close that a bucket's width overflows.
    tiny = Fraction(5e-324)
    exact = [Fraction(0)] + [tiny * ((7 * i) % 40) for i in range(1, 41)]
    type_class = np.arange(41, dtype=np.int32)
    supporters = np.arange(41, dtype=np.intp)
    table = class_table(type_class, supporters, np.ones(41), class_cells(exact), 100, 2, exact.__getitem__)
    order = reference(type_class, supporters, np.ones(41), exact, 100)[0]
    assert table.classes.tolist() == order
    assert [exact[c] for c in order] == sorted(exact)


def test_payers_move_to_their_new_classes_and_others_stay() -> None:
    type_class = np.array([0, 1, 2, 1, 0, 2], dtype=np.int32)
    moved = np.zeros(8, dtype=np.int32)
    supporters = np.array([0, 1, 2, 3], dtype=np.intp)
    log = np.full(6, -1, dtype=np.int32)
    end = move_payers(type_class, supporters, np.array([1, 0], dtype=np.intp), 3, moved, log, 1)
    # Types 0 and 1 are supporters in paying classes 0 and 1; type 2 is in class 2, which does not pay;
    # types 4 and 5 do not support the project.
    assert type_class.tolist() == [4, 3, 2, 3, 0, 2]
    assert not moved.any()
    assert (end, log.tolist()) == (4, [-1, 0, 1, 3, -1, -1])  # the types that moved, from 1 on


def test_undoing_logged_moves_gives_back_each_earlier_state() -> None:
    type_class = np.array([0, 1, 2, 1, 0, 2], dtype=np.int32)
    start = type_class.copy()
    parent = np.zeros(16, dtype=np.intp)
    log, moved = np.zeros(16, dtype=np.int32), np.zeros(16, dtype=np.int32)
    # Purchase 1: classes 1 and 0 of types 0..3 pay, to new classes 3 and 4 (parents 1 and 0).
    parent[3:5] = [1, 0]
    middle_end = move_payers(type_class, np.arange(4), np.array([1, 0]), 3, moved, log, 0)
    middle = type_class.copy()
    # Purchase 2: class 4 (type 0, moved before) and class 2 of types 0, 2, 5 pay, to 5 and 6.
    parent[5:7] = [4, 2]
    end = move_payers(type_class, np.array([0, 2, 5]), np.array([4, 2]), 5, moved, log, middle_end)
    assert type_class.tolist() == [5, 3, 6, 3, 0, 6]
    back = type_class.copy()
    undo_moves(back, log[middle_end:end], parent)
    assert back.tolist() == middle.tolist()
    undo_moves(type_class, log[:end], parent)  # type 0 moved twice, and goes back twice
    assert type_class.tolist() == start.tolist()


def test_bad_arrays_are_refused_and_leave_the_counts_clean() -> None:
    cells = np.zeros((3, 2))
    type_class = np.array([0, 5], dtype=np.int32)

    def spent(c: int) -> Fraction:
        return Fraction(0)

    with pytest.raises(IndexError):
        class_table(type_class, np.array([0, 1]), np.ones(2), cells, 10, 2, spent)
    assert not cells[:, 1].any()
    with pytest.raises(ValueError, match="differ in length"):
        class_table(type_class, np.array([0]), np.ones(2), cells, 10, 2, spent)
    with pytest.raises(ValueError, match="no voters"):
        class_table(type_class, np.array([0, 0]), np.array([1.0, 0.0]), cells, 10, 2, spent)
    assert not cells[:, 1].any()
    with pytest.raises(ValueError, match="two floats"):
        class_table(type_class, np.array([0]), np.ones(1), np.zeros((3, 3)), 10, 2, spent)
    moved = np.zeros(3, dtype=np.int32)
    with pytest.raises(ValueError, match="twice"):
        move_payers(
            np.zeros(2, dtype=np.int32),
            np.array([0]),
            np.array([0, 0]),
            1,
            moved,
            np.zeros(1, dtype=np.int32),
            0,
        )
    assert not moved.any()
    with pytest.raises(ValueError, match="outside"):
        move_payers(
            np.zeros(2, dtype=np.int32),
            np.array([0]),
            np.array([0]),
            0,
            moved,
            np.zeros(1, dtype=np.int32),
            0,
        )
    with pytest.raises(ValueError, match="no room"):
        move_payers(
            np.zeros(2, dtype=np.int32),
            np.array([0, 1]),
            np.array([0]),
            1,
            moved,
            np.zeros(3, dtype=np.int32),
            2,
        )
    table = Table(np.zeros(1, dtype=np.intp), np.array([4]), np.ones(1), np.ones(1), 1, spent)
    with pytest.raises(ValueError, match="do not end a block"):
        table.paying(3)
    with pytest.raises(ValueError, match="differ in length"):
        Table(np.zeros(2, dtype=np.intp), np.array([4]), np.ones(1), np.ones(1), 1, spent)
