"""Masking PII for display: enough to recognise a value, never enough to use it.

Every function takes any string (also short, empty or odd ones) and never returns
more than about half of it: short values are starred more, not less.
"""

from __future__ import annotations

STAR = "*"


def mask_middle(value: str, keep_start: int, keep_end: int, fill: str = STAR) -> str:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters, star the rest.

    When that would show half the value or more, only the last character is kept
    (values of three or more characters) or everything is starred.
    """
    if not value:
        return ""
    n = len(value)
    if 2 * (keep_start + keep_end) > n:
        return fill * (n - 1) + value[-1] if n > 2 else fill * n
    return value[:keep_start] + fill * (n - keep_start - keep_end) + value[n - keep_end :]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; ``+442079460958`` -> ``+44****0958``.

    Expects the canonical form (no separators); shorter numbers keep less.
    """
    v = value.strip()
    if len(v) >= 11:
        return v[:3] + STAR * 4 + v[-4:]
    if len(v) >= 8:
        return mask_middle(v, 2, 2)
    return mask_middle(v, 0, 2)


def mask_national_id(value: str) -> str:
    """``110101199003071234`` -> ``1101**********1234`` (region kept, birth date hidden)."""
    v = value.strip()
    if len(v) >= 15:
        return mask_middle(v, 4, 4)
    return mask_middle(v, 1, 2)


def mask_email(value: str) -> str:
    """``zhang.wei@example.com`` -> ``z****@example.com``; the domain stays readable.

    The local part always shows as its first character and four stars (or just
    stars when it is shorter than three characters), so its length is not revealed.
    """
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return mask_middle(domain, 1, 0)
    shown = local[:1] if len(local) >= 3 else ""
    return shown + STAR * 4 + "@" + domain


def mask_account(value: str) -> str:
    """Bank and card numbers: ``6222020200001234`` -> ``************1234``."""
    v = "".join(value.split())
    if len(v) > 8:
        return STAR * (len(v) - 4) + v[-4:]
    if len(v) > 4:
        return STAR * (len(v) - 2) + v[-2:]
    return STAR * len(v)


def mask_name(value: str) -> str:
    """``张三丰`` -> ``张**``; ``张伟`` -> ``张*``; ``Alice Smith`` -> ``A**** S****``; ``张`` -> ``*``."""
    v = value.strip()
    if len(v) <= 1:
        return STAR * len(v)
    words = v.split()
    if len(words) > 1:
        return " ".join(w[:1] + STAR * max(len(w) - 1, 1) for w in words)
    return v[:1] + STAR * (len(v) - 1)


def mask_address(value: str) -> str:
    """Keep the first few characters (province, city or district), hide the rest.

    Six characters of Chinese (``北京市东城区``) or eight of other scripts; a value
    no longer than that keeps only its first character.
    """
    v = value.strip()
    keep = 6 if any(ord(c) > 0x2E80 for c in v) else 8
    if len(v) >= 2 * keep:
        return v[:keep] + STAR * 4
    return mask_middle(v, 1, 0) if len(v) > 2 else STAR * len(v)
