"""Extensions replace the final response's period by their total period, counted the same way,
and carry the rules cases enforces: senior approval and a notice to the customer."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.errors import UnknownExtension
from safeguard.deadlines.rules import compute_milestones, extension_rule

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("received", "extension", "due"),
    [
        # complex, 30 days: 1 Sep + 30 = 1 Oct, National Day; off to 7 Oct; 8 Oct works.
        pytest.param(
            datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), "complex", "2026-10-08T23:59:59+08:00", id="complex-national-day"
        ),
        # complex: 15 Jan + 30 = 14 Feb, an adjusted working Saturday: stays.
        pytest.param(
            datetime(2026, 1, 15, 10, tzinfo=SHANGHAI),
            "complex",
            "2026-02-14T23:59:59+08:00",
            id="complex-adjusted-saturday",
        ),
        # special, 60 days: 1 Aug + 60 = 30 Sep (Wed), a working day.
        pytest.param(
            datetime(2026, 8, 1, 10, tzinfo=SHANGHAI), "special", "2026-09-30T23:59:59+08:00", id="special-working-day"
        ),
        # special: 5 Aug + 60 = 4 Oct (Sun), National Day; off to 7 Oct; 8 Oct works.
        pytest.param(
            datetime(2026, 8, 5, 10, tzinfo=SHANGHAI), "special", "2026-10-08T23:59:59+08:00", id="special-national-day"
        ),
        # special: 21 Jul + 60 = 19 Sep (Sat): an ordinary Saturday, but 20 Sep (Sun) is an adjusted working day.
        pytest.param(
            datetime(2026, 7, 21, 10, tzinfo=SHANGHAI),
            "special",
            "2026-09-20T23:59:59+08:00",
            id="special-to-adjusted-sunday",
        ),
    ],
)
def test_cn_nfra_extensions_make_it_30_or_60_days_with_the_same_counting(spec_for, received, extension, due):
    milestones = compute_milestones(
        spec_for("cn-nfra"), received_at=received, case_type="complaint", extension=extension
    )
    assert {name: value.isoformat() for name, value in milestones.items()} == {"final_response": due}


def test_uk_psd2_exceptional_is_the_35th_business_day(spec_for):
    # 1 Jun 2026 (Mon): June has 22 business days after the 1st (2-30 Jun, no bank holiday): 2 Jun is 1,
    # 30 Jun is 21; July: 1-3 (22-24), 6-10 (25-29), 13-17 (30-34), 20 Jul (35).
    milestones = compute_milestones(
        spec_for("uk-psd2"),
        received_at=datetime(2026, 6, 1, 9, tzinfo=LONDON),
        case_type="complaint",
        extension="exceptional",
    )
    assert milestones["final_response"].isoformat() == "2026-07-20T23:59:59+01:00"


@pytest.mark.parametrize(
    ("code", "extension", "senior", "notice"),
    [
        # art. 18: "complex" may extend to 30 days; "special" needs a higher-level/senior approval and notice.
        ("cn-nfra", "complex", False, False),
        ("cn-nfra", "special", True, True),
        # DISP 1.6.2AR(2): a holding reply to the complainant.
        ("uk-psd2", "exceptional", False, True),
    ],
)
def test_extension_rules_say_who_must_approve_and_whether_the_customer_is_told(
    spec_for, code, extension, senior, notice
):
    rule = extension_rule(spec_for(code), extension)
    assert (rule.needs_senior_approval, rule.needs_customer_notice) == (senior, notice)


@pytest.mark.parametrize(
    ("code", "extension"), [("cn-nfra", "exceptional"), ("uk-fca-disp", "complex"), ("us-cfpb", "special")]
)
def test_an_unknown_extension_is_an_error_that_names_it(spec_for, code, extension):
    with pytest.raises(UnknownExtension) as caught:
        compute_milestones(
            spec_for(code),
            received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
            case_type="complaint",
            extension=extension,
        )
    assert caught.value.code == "unknown_extension"
    assert extension in caught.value.detail and code in caught.value.detail


def test_an_empty_extension_name_means_no_extension(spec_for):
    received = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    spec = spec_for("cn-nfra")
    assert compute_milestones(spec, received_at=received, case_type="complaint", extension="") == compute_milestones(
        spec, received_at=received, case_type="complaint"
    )


def test_an_extension_changes_only_the_final_response():
    from safeguard.deadlines.rules import ExtensionRule, MilestoneRule, PolicySpec

    from .conftest import US_2026

    spec = PolicySpec(
        code="two-step",
        zone="America/New_York",
        calendar=US_2026,
        milestones=(
            MilestoneRule("first_response", "calendar_days", 15),
            MilestoneRule("final_response", "calendar_days", 60),
        ),
        extensions={"long": ExtensionRule("long", "calendar_days", 90)},
    )
    received = datetime(2026, 3, 1, 12, tzinfo=ZoneInfo("America/New_York"))
    milestones = compute_milestones(spec, received_at=received, case_type="complaint", extension="long")
    # 1 Mar + 15 = 16 Mar (unchanged); 1 Mar + 90 = 30 May.
    assert milestones["first_response"].isoformat() == "2026-03-16T23:59:59-04:00"
    assert milestones["final_response"].isoformat() == "2026-05-30T23:59:59-04:00"
