"""Routing rules: conditions on the predictions and on the case, checked in order; the first rule
that matches decides the department (and handler group) instead of the model.

``conditions`` is a JSON object; every key present must hold:

* ``type``, ``product``, ``category``: the case's value (codes), or, where the case has none,
  the model's prediction when it did not abstain; a string or a list of strings (any of them);
* ``channel``: the case's channel; ``language``: the language of the case's text (``en`` or
  ``zh-hans``); ``signal``: a risk signal kind that was detected (any of the listed kinds);
* ``min_confidence`` (0–1): the model was at least this confident in each value the rule's
  other conditions read from a prediction (a value a person or intake set counts as certain).

An empty object matches every case (a catch-all rule, put last).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from safeguard.cases.models import CaseType, Category, Channel, Product

PREDICTED_KEYS = ("type", "product", "category")
KEYS = (*PREDICTED_KEYS, "channel", "signal", "language", "min_confidence")


@dataclass(frozen=True)
class Facts:
    """What a rule may look at. ``values``: key -> (code or None, confidence; 1.0 from the case)."""

    values: Mapping[str, tuple[str | None, float]]
    channel: str
    language: str
    signals: frozenset[str] = field(default_factory=frozenset)


def _allowed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def matches(conditions: Mapping[str, Any], facts: Facts) -> bool:
    """Whether every condition holds (a pure function; conditions were validated when saved)."""
    used: list[float] = []
    for key in PREDICTED_KEYS:
        if key in conditions:
            value, confidence = facts.values.get(key, (None, 0.0))
            if value is None or value not in _allowed(conditions[key]):
                return False
            used.append(confidence)
    if "channel" in conditions and facts.channel not in _allowed(conditions["channel"]):
        return False
    if "language" in conditions and facts.language not in _allowed(conditions["language"]):
        return False
    if "signal" in conditions and not facts.signals.intersection(_allowed(conditions["signal"])):
        return False
    if "min_confidence" in conditions:
        floor = float(conditions["min_confidence"])
        if any(c < floor for c in used):
            return False
    return True


def first_match(rules: Sequence[Any], facts: Facts) -> Any | None:
    """The first rule (in the given order) whose conditions hold, or None."""
    for rule in rules:
        if isinstance(rule.conditions, dict) and matches(rule.conditions, facts):
            return rule
    return None


# --- validation (the admin's form and anything else that saves a rule) -----------------------


def signal_kinds() -> list[str]:
    from safeguard.triage import signals

    kinds = getattr(signals, "SignalKind", None)
    if kinds is None:
        return []
    return [str(k.value) if hasattr(k, "value") else str(k) for k in kinds]


def _known(key: str) -> list[str]:
    if key == "type":
        return list(CaseType.values)
    if key == "channel":
        return list(Channel.values)
    if key == "language":
        return [code for code, _name in settings.LANGUAGES]
    if key == "signal":
        return signal_kinds()
    if key == "product":
        return list(Product.objects.values_list("code", flat=True))
    if key == "category":
        return list(Category.objects.values_list("code", flat=True))
    return []


def _strings(value: Any) -> list[str] | None:
    """The listed values, or None when the value is not a string or a non-empty list of strings."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    return None


def validate_conditions(conditions: Any) -> list[str]:
    """Every problem with ``conditions``, in words a person can act on (empty: valid)."""
    if not isinstance(conditions, dict):
        return [_('Conditions must be a JSON object, such as {"product": "credit-card"}.')]
    errors: list[str] = []
    unknown = sorted(set(conditions) - set(KEYS))
    if unknown:
        errors.append(
            _("Unknown condition(s): %(keys)s. Use: %(allowed)s.")
            % {"keys": ", ".join(unknown), "allowed": ", ".join(KEYS)}
        )
    for key in KEYS:
        if key not in conditions:
            continue
        value = conditions[key]
        if key == "min_confidence":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                errors.append(_("min_confidence must be a number from 0 to 1."))
            continue
        listed = _strings(value)
        if listed is None:
            errors.append(_("%(key)s must be a code or a list of codes.") % {"key": key})
            continue
        known = _known(key)
        wrong = [v for v in listed if v not in known]
        if wrong:
            errors.append(
                _("%(key)s: unknown value(s) %(values)s; choose from: %(known)s.")
                % {"key": key, "values": ", ".join(wrong), "known": ", ".join(known) or "—"}
            )
    return errors


def describe(conditions: Mapping[str, Any]) -> Iterable[str]:
    """``key = a | b`` lines, for lists of rules."""
    for key, value in conditions.items():
        yield f"{key} = {' | '.join(_allowed(value))}"
