"""The results page's chart of the money (inline SVG), map of the funded problems (folium), plain words."""

from __future__ import annotations

from fractions import Fraction

import folium
from flask import url_for
from markupsafe import Markup, escape

from app import maps
from app.charts import money_text, stacked_bar_chart
from app.services.rounds import explanations
from app.services.rounds.results import RoundResults
from budgets.money import format_money, major_units

FUNDED_ZOOM = 15
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "₣", "PLN": "zł"}


def leftover_label(outcome: RoundResults) -> str:
    """What happens to the money the round does not spend: done once certified, to come before."""
    done = outcome.status == "certified"
    if outcome.leftover == "rollover":
        return "Rolled over" if done else "To roll over"
    return "Refunded" if done else "To refund"


def money_chart(outcome: RoundResults) -> Markup:
    """Bars for the pool, the city match, what was spent and what is left over (major units)."""
    left = leftover_label(outcome)
    # The pool at tally: confirmed pledges and any city money added before (a match by hand, a rollover).
    labels = ["In the pool", "City match at tally", "Spent on problems", left]
    cents = [outcome.pool_cents, outcome.match_cents, outcome.spent_cents, outcome.leftover_cents]

    def money(amount: int) -> str:
        return format_money(amount, outcome.currency)

    return stacked_bar_chart(
        title=f"The money of round “{outcome.name}”",
        desc=(
            f"In the pool {money(cents[0])}, city match at tally {money(cents[1])}, spent {money(cents[2])}, "
            f"{left.lower()} {money(cents[3])}."
        ),
        labels=labels,
        values=[major_units(c) for c in cents],
        unit="",
        value_text=money_text(outcome.currency),
        x_label=f"Amount ({outcome.currency})",
        colour="#17407a",
        empty_message="No money in this round.",
    )


def results_map(outcome: RoundResults) -> maps.RenderedMap | None:
    """A map of the funded problems, or None when nothing was funded."""
    if not outcome.funded:
        return None
    lats = [c.lat for c in outcome.funded]
    lons = [c.lon for c in outcome.funded]
    if len(outcome.funded) == 1:
        city = maps.build_map(location=(lats[0], lons[0]), zoom=FUNDED_ZOOM)
    else:
        # A margin of a fifth of the spread, twice that above: pins rise 30 px over their point.
        pad_lat = max(0.002, (max(lats) - min(lats)) / 5)
        pad_lon = max(0.002, (max(lons) - min(lons)) / 5)
        bounds = ((min(lats) - pad_lat, min(lons) - pad_lon), (max(lats) + 2 * pad_lat, max(lons) + pad_lon))
        city = maps.build_map(bounds=bounds)
    glyph = SYMBOLS.get(outcome.currency, "¤")
    icon = folium.DivIcon(
        html=f'<span class="cf-pin__glyph" aria-hidden="true">{glyph}</span>',
        class_name="cf-pin cf-pin--funded",
        icon_size=(30, 30),
        icon_anchor=(15, 30),
    )
    # One GeoJSON layer for every pin: folium compiles a template per element, so per-marker
    # objects would cost milliseconds each. Titles are escaped here and read back as text below.
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [item.lon, item.lat]},
            "properties": {
                "title": str(escape(item.title)),
                "amount": format_money(item.amount_cents, outcome.currency),
                "url": url_for("issues.detail", issue_id=item.issue_id),
            },
        }
        for item in outcome.funded
    ]
    # Leaflet makes each pin a focusable role="button"; its name is the problem and the amount. A tap,
    # click or Enter opens a popup naming the problem (a link to its page) and what it got, sized and
    # panned clear of the zoom buttons as the other maps' popups are (Commonfix.fitPopup, from
    # commonfix.js, which the page loads first). Found from outside: a hover tooltip ran past a
    # phone's map.
    describe_pins = folium.JsCode(
        """function (feature, layer) {
          var text = document.createElement("textarea");  // titles arrive HTML-escaped
          text.innerHTML = feature.properties.title;
          var title = text.value;
          var label = "Funded: " + title + ", " + feature.properties.amount;
          layer.on("add", function () {
            if (layer._icon) layer._icon.setAttribute("aria-label", label);
          });
          var box = document.createElement("div");
          box.className = "cf-popup";
          var link = document.createElement("a");
          link.className = "cf-popup__title";
          link.href = feature.properties.url;
          link.dir = "auto";
          link.textContent = title;
          var amount = document.createElement("p");
          amount.textContent = "Funded with " + feature.properties.amount;
          box.appendChild(link);
          box.appendChild(amount);
          layer.on("click keypress", function () {
            if (layer._map) window.Commonfix.fitPopup(layer.getPopup(), layer._map);
          });
          layer.bindPopup(box);
        }"""
    )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Funded problems",
        marker=folium.Marker(icon=icon),
        on_each_feature=describe_pins,
    ).add_to(city)
    return maps.render(city)


def plain_words(outcome: RoundResults) -> dict[int, str]:
    """One sentence per candidate (issue id -> sentence), from the figures the tally stored."""
    return {c.issue_id: outcome.sentence(c) for c in (*outcome.funded, *outcome.unfunded)}


def voter_share(outcome: RoundResults) -> int | None:
    """What each voter held under an Equal Shares rule (cents, rounded), or None."""
    for c in (*outcome.funded, *outcome.unfunded):
        if "share" in c.details:
            return explanations.amount_cents(c.details["share"])
    return None


def first_share(outcome: RoundResults) -> int | None:
    """Each voter's equal part of the budget before any completion raised it (cents, rounded as the
    share is, so the page says "raised" only when the shown amounts differ), or None."""
    if not outcome.ballots:
        return None
    return explanations.amount_cents(Fraction(outcome.budget_cents, outcome.ballots))


def funded_items(outcome: RoundResults) -> list[explanations.FundedItem]:
    return [
        explanations.FundedItem(c.issue_id, c.title, int(c.details.get("position") or c.position), c.details)
        for c in outcome.funded
    ]
