"""Types of the float MES run's compiled rounds (budgets/mes_float_loops.pyx)."""

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from budgets.mes_float import FloatOutcome
from budgets.mes_prefix import PrefixNode, PrefixTrie
from budgets.mes_problem import MesProblem

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

class Unsure(Exception): ...

class Price:
    low: float
    high: float
    estimate: float
    def __init__(
        self, low: float, high: float, estimate: float, cost: int, units: float, everyone_pays: bool
    ) -> None: ...
    @property
    def exact(self) -> Fraction | None: ...
    def rho(self, scale: int) -> tuple[float, float]: ...

class CellBlock:
    classes: IndexArray
    weights: IndexArray
    counts: FloatArray
    def __init__(self, classes: IndexArray, weights: IndexArray, counts: FloatArray) -> None: ...

class FloatClasses:
    problem: MesProblem
    trie: PrefixTrie
    per_voter: Fraction
    node: PrefixNode
    budget: FloatArray
    error: FloatArray
    def __init__(self, problem: MesProblem, per_voter: Fraction, trie: PrefixTrie) -> None: ...
    def push(self, low: float, project: int) -> None: ...
    def set_live(self, project: int, live: bool) -> None: ...
    def cells(self, project: int) -> tuple[IndexArray, IndexArray, FloatArray]: ...
    def price(self, project: int) -> Price | None: ...
    def next_priced(self, threshold: float) -> tuple[int, Price] | None: ...
    def cheapest(self) -> tuple[int, Price] | None: ...
    def run(
        self,
        outcome: FloatOutcome,
        cost_limit: int | None,
        check: Callable[[tuple[int, Price] | None], bool] | None,
        bound: Callable[[int, float, Price, int], object],
    ) -> None: ...
    def pay(self, project: int, price: Price) -> None: ...

def price_bracket(
    budget: FloatArray,
    error: FloatArray,
    classes: IndexArray,
    weights: IndexArray,
    counts: FloatArray,
    cost: int | float,
    unit: bool,
) -> Price | None: ...
def range_price(
    budget: FloatArray,
    error: FloatArray,
    classes: IndexArray,
    weights: IndexArray,
    counts: FloatArray,
    chosen: bool,
    shift: float,
    top: float,
    cost: int,
    unit: bool,
) -> Price | None: ...
def pay(
    budget: FloatArray,
    error: FloatArray,
    old: IndexArray,
    weights: IndexArray,
    first: int,
    estimate: float,
    low: float,
    high: float,
) -> None: ...
def count_cells(
    type_class: IndexArray,
    supporters: IndexArray,
    many: FloatArray,
    weights: IndexArray,
    width: int,
    size: int,
    unit: bool,
) -> tuple[IndexArray, IndexArray, FloatArray]: ...
