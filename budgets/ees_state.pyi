"""Types of an Exact Equal Shares run's compiled state (budgets/ees_state.pyx)."""

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from budgets.mes_problem import MesProblem

class SupporterArrays:
    types: npt.NDArray[np.intp]
    counts: npt.NDArray[np.float64]
    starts: npt.NDArray[np.intp]
    def __init__(
        self, types: npt.NDArray[np.intp], counts: npt.NDArray[np.float64], starts: npt.NDArray[np.intp]
    ) -> None: ...
    @classmethod
    def of(cls, problem: MesProblem) -> SupporterArrays: ...

class EesState:
    problem: MesProblem
    started: int
    def __init__(self, problem: MesProblem, arrays: SupporterArrays | None = None) -> None: ...
    def classes_at(self, round_no: int) -> npt.NDArray[np.int32]: ...
    def has_table(self, p: int, round_no: int) -> bool: ...
    def class_spent(self, c: int) -> Fraction: ...
