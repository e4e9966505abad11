"""Domain errors of the surveys app. Codes are stable: the pages (and any caller) key on them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from safeguard.core.errors import DomainError, InvalidInput, NotFound


class SurveyTokenInvalid(NotFound):
    """The link's token is not one we signed, names no invitation, or names one never sent."""

    code = "survey_token_invalid"

    def __init__(self) -> None:
        super().__init__(_("This survey link is not valid. Check that you copied all of it."))


class SurveyExpired(DomainError):
    code = "survey_expired"
    status = 410

    def __init__(self) -> None:
        super().__init__(_("This survey has closed: its link has expired."))


class SurveyAlreadyAnswered(DomainError):
    """Single use: the invitation has its answer (perhaps from a second tab a moment ago)."""

    code = "survey_already_answered"
    status = 410

    def __init__(self) -> None:
        super().__init__(_("This survey has already been answered. Thank you."))


class SurveyScoreOutOfRange(InvalidInput):
    """A score outside its scale, or a score for a question this survey did not ask."""

    code = "survey_score_out_of_range"


class SurveyScoreMissing(InvalidInput):
    """A question the survey asked has no answer."""

    code = "survey_score_missing"
