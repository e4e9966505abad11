"""The survey form: one radio scale per question the invitation asks, and an optional comment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from safeguard.surveys.models import SCALES, Purpose, SurveyKind
from safeguard.surveys.services import MAX_COMMENT

# The words at the points of each scale (the others show their number only).
ANCHORS: dict[str, dict[int, Any]] = {
    SurveyKind.CSAT: {
        1: _("Very dissatisfied"),
        2: _("Dissatisfied"),
        3: _("Neither satisfied nor dissatisfied"),
        4: _("Satisfied"),
        5: _("Very satisfied"),
    },
    SurveyKind.NPS: {0: _("Not at all likely"), 10: _("Extremely likely")},
    # Customer effort: how much effort it took, so 1 is the least (as the quality KPI reads it).
    SurveyKind.EFFORT: {1: _("Very little effort"), 4: _("Some effort"), 7: _("A great deal of effort")},
}

QUESTIONS: dict[tuple[str, str], Any] = {
    (SurveyKind.CSAT, Purpose.CASE): _("Overall, how satisfied are you with the way we handled your case?"),
    (SurveyKind.CSAT, Purpose.RELATIONSHIP): _("Overall, how satisfied are you with our service?"),
    (SurveyKind.NPS, Purpose.CASE): _("How likely are you to recommend us to a friend or colleague?"),
    (SurveyKind.NPS, Purpose.RELATIONSHIP): _("How likely are you to recommend us to a friend or colleague?"),
    (SurveyKind.EFFORT, Purpose.CASE): _("How much effort did you personally have to put in to get your case handled?"),
    (SurveyKind.EFFORT, Purpose.RELATIONSHIP): _("How much effort does it take you to get things done with us?"),
}


def _choice_label(score: int, anchor: Any) -> str:
    return _("%(score)d – %(label)s") % {"score": score, "label": anchor}


def _choices(kind: str) -> list[tuple[int, Any]]:
    low, high = SCALES[kind]
    anchors = ANCHORS[kind]
    return [
        (score, lazy(_choice_label, str)(score, anchors[score]) if score in anchors else str(score))
        for score in range(low, high + 1)
    ]


@dataclass(frozen=True)
class SummaryItem:
    anchor: str
    message: str


class SurveyForm(forms.Form):
    comment = forms.CharField(
        label=_("Is there anything else you would like to tell us?"),
        help_text=_("Please do not write account numbers, passwords or codes here."),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Please keep your comment under %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, kinds: list[str], purpose: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [k for k in kinds if k in SCALES]
        questions: dict[str, forms.Field] = {}
        for kind in self.kinds:
            low, high = SCALES[kind]
            out_of_range = _("Choose a score from %(low)d to %(high)d.") % {"low": low, "high": high}
            questions[kind] = forms.TypedChoiceField(
                label=QUESTIONS[(kind, purpose)],
                choices=_choices(kind),
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose a score."), "invalid_choice": out_of_range},
            )
        # The questions first, in the order asked; the comment last.
        self.fields = {**questions, "comment": self.fields["comment"]}

    def scores(self) -> dict[str, int | None]:
        return {kind: self.cleaned_data.get(kind) for kind in SCALES}

    def error_summary(self) -> list[SummaryItem]:
        """Every error, each linked to its field (a scale's first radio button)."""
        items = [SummaryItem("", str(message)) for message in self.non_field_errors()]
        for name in self.fields:
            bound = self[name]
            anchor = f"{bound.auto_id}_0" if name in self.kinds else bound.auto_id
            items.extend(SummaryItem(anchor, str(message)) for message in bound.errors)
        return items
