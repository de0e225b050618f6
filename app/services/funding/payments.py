"""Payment providers: how a pledge becomes money (a treasurer's confirmation, or at once in tests)."""

from __future__ import annotations

from typing import Protocol


class PaymentProvider(Protocol):
    """Decides, when a pledge is made, whether its money has already arrived."""

    name: str

    def confirms_immediately(self) -> bool:
        """True: the pledge is confirmed (and posted) in the request that makes it."""
        ...

    def instructions(self, currency: str, amount_cents: int) -> str:
        """What the resident should do next, shown after pledging."""
        ...


class TreasurerConfirmed:
    """The shipped provider: the pledge waits until a group admin confirms the cash or transfer arrived."""

    name = "treasurer-confirmed"

    def confirms_immediately(self) -> bool:
        return False

    def instructions(self, currency: str, amount_cents: int) -> str:
        return (
            "Hand the money to your group's treasurer or transfer it to the group's account; "
            "your pledge counts once the treasurer confirms it arrived."
        )


class TestProvider:
    """For tests and benchmarks: every pledge is confirmed at once."""

    __test__ = False  # not a pytest class
    name = "test"

    def confirms_immediately(self) -> bool:
        return True

    def instructions(self, currency: str, amount_cents: int) -> str:
        return "Test payment: confirmed at once."


PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (TreasurerConfirmed(), TestProvider())}


def get_provider(name: str) -> PaymentProvider:
    """The provider named by config PAYMENT_PROVIDER; an unknown name is a configuration error."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise RuntimeError(f"PAYMENT_PROVIDER must be one of {sorted(PROVIDERS)}, not {name!r}") from None
