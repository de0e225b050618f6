"""The shared Pabulib folder is there: CI must never silently skip the real-data proofs."""

from __future__ import annotations

from tests.budgets.pabulib_files import PABULIB_DIR, pabulib_path


def test_the_26_shared_pabulib_elections_are_found() -> None:
    pabulib_path("Poland_Swiecie_2023.pb")  # skips locally, fails under CI=true, when missing
    assert len(sorted(PABULIB_DIR.glob("*.pb"))) == 26, f"expected the 26 shared elections in {PABULIB_DIR}"
