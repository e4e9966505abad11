"""uk-psd2 (DISP 1.6.2AR): end of the 15th business day after the day of receipt; the
``exceptional`` extension (holding reply) makes it the 35th. Business days skip weekends and
England and Wales bank holidays. Counted by hand against GOV.UK's 2026/2027 list (conftest.py).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.rules import compute_milestones

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("received", "extension", "due"),
    [
        # Received Mon 14 Dec 2026. Business days: 15,16,17,18 (1-4), 21,22,23,24 (5-8); Fri 25 Dec
        # Christmas, Mon 28 Dec Boxing Day (substitute) skipped; 29,30,31 (9-11); Fri 1 Jan 2027 New
        # Year skipped; 4,5,6,7 Jan (12-15).
        pytest.param(datetime(2026, 12, 14, 10, tzinfo=LONDON), None, "2027-01-07T23:59:59+00:00", id="christmas-15"),
        # Continuing: 8 Jan (16), 11-15 Jan (17-21), 18-22 Jan (22-26), 25-29 Jan (27-31), 1-4 Feb (32-35).
        pytest.param(
            datetime(2026, 12, 14, 10, tzinfo=LONDON), "exceptional", "2027-02-04T23:59:59+00:00", id="christmas-35"
        ),
        # Received Fri 20 Mar 2026. 23-27 Mar (1-5), 30 Mar-2 Apr (6-9); Good Friday 3 Apr and Easter
        # Monday 6 Apr skipped; 7-10 Apr (10-13), 13-14 Apr (14-15). Summer time: +01:00.
        pytest.param(datetime(2026, 3, 20, 16, tzinfo=LONDON), None, "2026-04-14T23:59:59+01:00", id="easter-15"),
        # 15-17 Apr (16-18), 20-24 Apr (19-23), 27 Apr-1 May (24-28); Mon 4 May early May bank holiday
        # skipped; 5-8 May (29-32), 11-13 May (33-35).
        pytest.param(
            datetime(2026, 3, 20, 16, tzinfo=LONDON), "exceptional", "2026-05-13T23:59:59+01:00", id="easter-35"
        ),
        # Received Sat 7 Mar 2026 (a weekend day is still the day of receipt, not counted):
        # 9-13 Mar (1-5), 16-20 (6-10), 23-27 (11-15).
        pytest.param(datetime(2026, 3, 7, 12, tzinfo=UTC), None, "2026-03-27T23:59:59+00:00", id="received-saturday"),
    ],
)
def test_final_response_is_the_15th_or_35th_business_day_after_receipt(spec_for, received, extension, due):
    milestones = compute_milestones(
        spec_for("uk-psd2"), received_at=received, case_type="complaint", extension=extension
    )
    assert {name: value.isoformat() for name, value in milestones.items()} == {"final_response": due}
