"""Money: a Decimal amount and an ISO 4217 currency, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCIES = ("CNY", "HKD", "USD", "GBP", "EUR", "JPY")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValueError(f"unsupported currency {self.currency!r}")
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError("amount must be a finite Decimal")

    def __str__(self) -> str:
        return f"{self.currency} {self.amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def parse_amount(text: str | int | Decimal) -> Decimal:
    """A non-negative amount with at most two decimal places."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"amount must be non-negative with at most 2 decimals: {text!r}")
    return value
