"""cn-nfra: 15 calendar days, day of receipt not counted, a last day that is a rest day moves
to the next working day, and adjusted working Saturdays/Sundays (调休) count as working days.

Expectations worked out by hand from the State Council's 2026 schedule (see conftest.py):
Spring Festival 2/15-2/23 off, 2/14 (Sat) and 2/28 (Sat) worked; Mid-Autumn 9/25-9/27 off;
National Day 10/1-10/7 off, 9/20 (Sun) and 10/10 (Sat) worked.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.rules import compute_milestones

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _received(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 2/1 (Sun) + 15 = 2/16 (Mon), Spring Festival; 2/17-2/23 also off; 2/24 (Tue) is the first working day.
        pytest.param(_received(2, 1), "2026-02-24T23:59:59+08:00", id="day15-inside-spring-festival"),
        # 2/8 + 15 = 2/23 (Mon), the last day of the Spring Festival break; moves to 2/24 (Tue).
        pytest.param(_received(2, 8), "2026-02-24T23:59:59+08:00", id="day15-on-last-spring-festival-day"),
        # 1/30 (Fri) + 15 = 2/14, an adjusted working Saturday: it stays there.
        pytest.param(_received(1, 30), "2026-02-14T23:59:59+08:00", id="day15-on-adjusted-working-saturday-feb14"),
        # 2/13 + 15 = 2/28, an adjusted working Saturday: it stays there.
        pytest.param(_received(2, 13), "2026-02-28T23:59:59+08:00", id="day15-on-adjusted-working-saturday-feb28"),
        # 9/11 (Fri) + 15 = 9/26 (Sat), Mid-Autumn; 9/27 (Sun) off; 9/28 (Mon) works.
        pytest.param(_received(9, 11), "2026-09-28T23:59:59+08:00", id="day15-inside-mid-autumn"),
        # 9/5 (Sat) + 15 = 9/20, an adjusted working Sunday: it stays there.
        pytest.param(_received(9, 5), "2026-09-20T23:59:59+08:00", id="day15-on-adjusted-working-sunday-sep20"),
        # 9/17 (Thu) + 15 = 10/2 (Fri), National Day; off to 10/7; 10/8 (Thu) works.
        pytest.param(_received(9, 17), "2026-10-08T23:59:59+08:00", id="day15-inside-national-day"),
        # 9/25 + 15 = 10/10, an adjusted working Saturday: it stays there.
        pytest.param(_received(9, 25), "2026-10-10T23:59:59+08:00", id="day15-on-adjusted-working-saturday-oct10"),
        # 3/6 (Fri) + 15 = 3/21 (Sat), an ordinary weekend; moves to 3/23 (Mon).
        pytest.param(_received(3, 6), "2026-03-23T23:59:59+08:00", id="day15-on-ordinary-saturday"),
        # 3/2 (Mon) + 15 = 3/17 (Tue), a working day: no move.
        pytest.param(_received(3, 2), "2026-03-17T23:59:59+08:00", id="day15-on-working-day"),
    ],
)
def test_final_response_is_day_15_moved_to_the_next_working_day(spec_for, received, due):
    milestones = compute_milestones(spec_for("cn-nfra"), received_at=received, case_type="complaint")
    assert {name: value.isoformat() for name, value in milestones.items()} == {"final_response": due}
