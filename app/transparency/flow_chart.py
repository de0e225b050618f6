"""The money flow as a bar chart (the page shows the same rows as a table beside it)."""

from __future__ import annotations

from markupsafe import Markup

from app.charts import money_text, stacked_bar_chart
from app.services.funding.money_flow import Flow
from budgets.money import major_units


def flow_chart(flow: Flow, where: str, currency: str, *, of_pool: bool = False) -> Markup:
    rows = flow.rows(of_pool)
    return stacked_bar_chart(
        title=f"Where the money of {where} came from and went",
        desc=(
            "Totals from the ledger, in the order the money moves: in from residents and the city, "
            "committed to problems, paid for fixes, returned or refunded, and what is held now. "
            "The table below gives the same figures."
        ),
        labels=[label for label, _ in rows],
        values=[major_units(cents) for _, cents in rows],
        unit="",
        value_text=money_text(currency),
        x_label=currency,
        colour="#17407a",
        empty_message="No money has moved yet.",
    )
