"""Calendars and policies typed in by hand from the official schedules, for the pure-function tests.

They are written out here, not derived from the packages or the code under test, so the
shipped data and the rules are both checked against the published sources.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from safeguard.deadlines.rules import CalendarData, ExtensionRule, MilestoneRule, PolicySpec
from safeguard.deadlines.selectors import policy_spec

# 国务院办公厅关于2026年部分节假日安排的通知 (State Council General Office, 2026 holiday schedule):
#   元旦 1月1日(周四)至3日(周六)放假, 1月4日(周日)上班
#   春节 2月15日(周日)至23日(周一)放假调休, 共9天; 2月14日(周六)、2月28日(周六)上班
#   清明节 4月4日(周六)至6日(周一)放假
#   劳动节 5月1日(周五)至5日(周二)放假调休; 5月9日(周六)上班
#   端午节 6月19日(周五)至21日(周日)放假
#   中秋节 9月25日(周五)至27日(周日)放假
#   国庆节 10月1日(周四)至7日(周三)放假调休; 9月20日(周日)、10月10日(周六)上班
# Holidays on Saturdays and Sundays change nothing, so only weekday holidays are listed.
CN_2026_HOLIDAYS_ON_WEEKDAYS = [
    date(2026, 1, 1), date(2026, 1, 2),
    date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20), date(2026, 2, 23),
    date(2026, 4, 6),
    date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5),
    date(2026, 6, 19),
    date(2026, 9, 25),
    date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7),
]  # fmt: skip
CN_2026_ADJUSTED_WORKING_DAYS = [
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
]  # fmt: skip

CN_2026 = CalendarData(
    zone="Asia/Shanghai",
    years=frozenset({2026}),
    exceptions=dict.fromkeys(CN_2026_HOLIDAYS_ON_WEEKDAYS, False) | dict.fromkeys(CN_2026_ADJUSTED_WORKING_DAYS, True),
    code="cn-by-hand",
)

# GOV.UK "UK bank holidays", England and Wales, 2026 and 2027 (substitute days where one falls at a weekend).
GB_ENG_2026_2027_BANK_HOLIDAYS = [
    date(2026, 1, 1),  # New Year's Day (Thu)
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 4),  # Early May bank holiday
    date(2026, 5, 25),  # Spring bank holiday
    date(2026, 8, 31),  # Summer bank holiday
    date(2026, 12, 25),  # Christmas Day (Fri)
    date(2026, 12, 28),  # Boxing Day, substitute day (26th is a Saturday)
    date(2027, 1, 1),  # New Year's Day (Fri)
    date(2027, 3, 26),  # Good Friday
    date(2027, 3, 29),  # Easter Monday
    date(2027, 5, 3),  # Early May bank holiday
    date(2027, 5, 31),  # Spring bank holiday
    date(2027, 8, 30),  # Summer bank holiday
    date(2027, 12, 27),  # Christmas Day, substitute day
    date(2027, 12, 28),  # Boxing Day, substitute day
]
GB_ENG_2026_2027 = CalendarData(
    zone="Europe/London",
    years=frozenset({2026, 2027}),
    exceptions=dict.fromkeys(GB_ENG_2026_2027_BANK_HOLIDAYS, False),
    code="gb-eng-by-hand",
)

# OPM federal holidays 2026, as observed (Independence Day, a Saturday, is observed on Friday 3 July).
US_2026_FEDERAL_HOLIDAYS = [
    date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19), date(2026, 7, 3),
    date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
]  # fmt: skip
US_2026 = CalendarData(
    zone="America/New_York",
    years=frozenset({2026}),
    exceptions=dict.fromkeys(US_2026_FEDERAL_HOLIDAYS, False),
    code="us-by-hand",
)

# The shipped policies, restated by hand from their legal basis (docs/deadlines.md).
BY_HAND: dict[str, PolicySpec] = {
    "internal-standard": PolicySpec(
        code="internal-standard",
        zone="Asia/Shanghai",
        calendar=CN_2026,
        milestones=(
            MilestoneRule("acknowledge", "elapsed_hours", 0),
            MilestoneRule("first_response", "elapsed_hours", 24),
            MilestoneRule("final_response", "elapsed_hours", 48, case_types=frozenset({"feedback"})),
        ),
    ),
    "cn-nfra": PolicySpec(
        code="cn-nfra",
        zone="Asia/Shanghai",
        calendar=CN_2026,
        milestones=(MilestoneRule("final_response", "calendar_days", 15, rolls_to_working_day=True),),
        extensions={
            "complex": ExtensionRule("complex", "calendar_days", 30, False, False),
            "special": ExtensionRule("special", "calendar_days", 60, True, True),
        },
        allows_pause=True,
    ),
    "uk-fca-disp": PolicySpec(
        code="uk-fca-disp",
        zone="Europe/London",
        calendar=GB_ENG_2026_2027,
        milestones=(MilestoneRule("final_response", "calendar_days", 56),),
    ),
    "uk-psd2": PolicySpec(
        code="uk-psd2",
        zone="Europe/London",
        calendar=GB_ENG_2026_2027,
        milestones=(MilestoneRule("final_response", "business_days", 15),),
        extensions={"exceptional": ExtensionRule("exceptional", "business_days", 35, False, True)},
    ),
    "us-cfpb": PolicySpec(
        code="us-cfpb",
        zone="America/New_York",
        calendar=US_2026,
        milestones=(
            MilestoneRule("first_response", "calendar_days", 15),
            MilestoneRule("final_response", "calendar_days", 60),
        ),
    ),
}


@pytest.fixture(params=["by_hand", pytest.param("shipped", marks=pytest.mark.django_db)])
def spec_for(request: pytest.FixtureRequest) -> Callable[[str], PolicySpec]:
    """Each table runs twice: on the policy typed in above, and on the one the data migrations ship."""
    if request.param == "shipped":
        return policy_spec

    def by_hand(code: str) -> PolicySpec:
        return BY_HAND[code]

    return by_hand
