"""Masking PII for display: enough to recognise a value, never enough to use it."""

from __future__ import annotations


def mask_middle(value: str, keep_start: int, keep_end: int, fill: str = "*") -> str:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters, star the rest.

    Short values are starred completely except, at most, their last character, so a
    mask never reveals most of a value.
    """
    if not value:
        return ""
    n = len(value)
    if keep_start + keep_end >= n:
        return fill * (n - 1) + value[-1] if n > 2 else fill * n
    return value[:keep_start] + fill * (n - keep_start - keep_end) + value[n - keep_end :]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; other lengths keep 3 + 4 when long enough."""
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return mask_middle(digits, 2, 2)


def mask_national_id(value: str) -> str:
    """``110101199003071234`` -> ``1101**********1234`` (region kept, birth date hidden)."""
    v = value.strip()
    if len(v) >= 15:
        return mask_middle(v, 4, 4)
    return mask_middle(v, 1, 2)


def mask_email(value: str) -> str:
    """``zhang.wei@example.com`` -> ``z*******@example.com``."""
    local, at, domain = value.strip().partition("@")
    if not at:
        return mask_middle(local, 1, 0)
    return (local[:1] + "*" * max(len(local) - 1, 3)) + "@" + domain


def mask_account(value: str) -> str:
    """Bank and card numbers: only the last four digits are shown."""
    v = value.replace(" ", "")
    return "*" * max(len(v) - 4, 4) + v[-4:] if len(v) > 4 else "*" * len(v)


def mask_name(value: str) -> str:
    """``张三丰`` -> ``张**``; ``Alice Smith`` -> ``A**** S****``."""
    v = value.strip()
    if not v:
        return ""
    if " " in v:
        return " ".join(w[:1] + "*" * max(len(w) - 1, 1) for w in v.split())
    return v[:1] + "*" * max(len(v) - 1, 1)


def mask_address(value: str) -> str:
    """Keep the first few characters (city or district), hide the rest."""
    v = value.strip()
    keep = 6 if any(ord(c) > 0x2E80 for c in v) else 8
    return v[:keep] + "****" if len(v) > keep else mask_middle(v, 1, 0)
