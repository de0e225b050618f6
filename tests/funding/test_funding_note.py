"""The note a certified round leaves on each funded problem's public timeline reads as English whatever
the group is called ("Old Town neighbours", not "Old Town neighbours's")."""

from __future__ import annotations

from app.models import Round
from app.services.rounds.posting import funding_note


def test_the_funding_note_names_the_round_and_its_group() -> None:
    note = funding_note(Round(name="Autumn 2026"), "Old Town neighbours", "EUR", 9500)
    assert note == (
        "Funded with EUR 95.00 by the participatory-budgeting round \u201cAutumn 2026\u201d of Old Town "
        "neighbours; planned for the city's work programme."
    )
