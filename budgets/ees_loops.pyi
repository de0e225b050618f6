"""Types of an Exact Equal Shares run's compiled tables (budgets/ees_loops.pyx)."""

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

TOL: float

class Table:
    classes: IndexArray
    ends: npt.NDArray[np.int64]
    value_f: FloatArray
    suffix_f: FloatArray
    round_no: int
    def __init__(
        self,
        classes: IndexArray,
        ends: npt.NDArray[np.int64],
        value_f: FloatArray,
        suffix_f: FloatArray,
        round_no: int,
        spent: Callable[[int], Fraction],
    ) -> None: ...
    def lower_bound(self, need: int) -> float: ...
    def value(self, i: int, cost: int) -> Fraction: ...
    def least(self, need: int, cost: int) -> Fraction | None: ...
    def payers(self, per_voter: Fraction, per_voter_f: float, cost: int) -> int: ...
    def paying(self, k: int) -> IndexArray: ...

def class_table(
    type_class: npt.NDArray[np.int32],
    supporters: IndexArray,
    many: FloatArray,
    cells: FloatArray,
    cost: int,
    round_no: int,
    spent: Callable[[int], Fraction],
) -> Table: ...
def move_payers(
    type_class: npt.NDArray[np.int32],
    supporters: IndexArray,
    payers: IndexArray,
    first: int,
    moved: npt.NDArray[np.int32],
    log: npt.NDArray[np.int32],
    at: int,
) -> int: ...
def new_classes(
    cells: FloatArray, parent: IndexArray, payers: IndexArray, first: int, share: float
) -> None: ...
def undo_moves(
    type_class: npt.NDArray[np.int32], moves: npt.NDArray[np.int32], parent: IndexArray
) -> None: ...
