"""Types of the float MES run's compiled loops (budgets/mes_float_loops.pyx)."""

import numpy as np
import numpy.typing as npt

CANNOT_PAY: int
UNSURE: int
PRICED: int

def price_bracket(
    budget: npt.NDArray[np.float64],
    error: npt.NDArray[np.float64],
    classes: npt.NDArray[np.intp],
    weights: npt.NDArray[np.intp],
    counts: npt.NDArray[np.float64],
    cost: float,
    unit: bool,
) -> tuple[int, float, float, float, bool, float]: ...
def pay(
    budget: npt.NDArray[np.float64],
    error: npt.NDArray[np.float64],
    old: npt.NDArray[np.intp],
    weights: npt.NDArray[np.intp],
    first: int,
    estimate: float,
    low: float,
    high: float,
) -> None: ...
