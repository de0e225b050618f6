"""Template filters for how residents read numbers, dates and statuses: "3 likes", "5 days ago"."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from app.models.timestamps import utcnow
from app.services.accounts.blocking import readable_domain
from app.services.funding.payouts import payee_words
from app.services.kernel.city_time import city_date, city_day_time, city_time, day_words, in_city
from app.services.kernel.text import as_sentence, first_upper
from app.status_styles import status_icon, style_key
from budgets.allocation import counted


def age(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, in the coarsest unit that reads naturally, counted in the city's calendar days: a
    report from 20:00 yesterday is "yesterday" at 10:00 today, as the date shown beside it says."""
    days = (in_city(now or utcnow()).date() - in_city(moment).date()).days
    if days < 1:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 61:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def long_date(moment: datetime) -> str:
    """The day a stored time falls on in the city: "1 March 2027"."""
    return day_words(in_city(moment).date())


def register_filters(bp: Blueprint) -> None:
    bp.add_app_template_filter(counted, "plural")
    bp.add_app_template_filter(as_sentence, "sentence")  # someone's words, then more of the page
    bp.add_app_template_filter(age, "age")
    bp.add_app_template_filter(long_date, "long_date")
    bp.add_app_template_filter(day_words, "day_words")  # a calendar day (a date, not a time): a payout's
    # The day in words with the time, for what may happen twice a day: "1 March 2027, 18:00 CET".
    bp.add_app_template_filter(city_day_time, "long_time")
    # A stored time as the city reads it: {{ at|city_time }} "2027-03-01 18:00 CET" (a shape may be given).
    bp.add_app_template_filter(city_time, "city_time")
    bp.add_app_template_filter(city_date, "city_date")  # the day alone: {{ at|city_date }} "2027-03-01"
    # A status's look: {{ code|status_icon(type) }} and the class status--{{ code|status_key(type) }}.
    bp.add_app_template_filter(status_icon, "status_icon")
    bp.add_app_template_filter(style_key, "status_key")
    bp.add_app_template_filter(payee_words, "payee_words")  # {{ payout.payee_kind|payee_words }}
    bp.add_app_template_filter(first_upper, "first_upper")  # a place beginning a line
    bp.add_app_template_filter(
        readable_domain, "readable_domain"
    )  # "xn--bcher-kva.example" as "bücher.example"
