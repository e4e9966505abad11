"""References: CMP-2026-000123, sequential per prefix and year, no gaps after a rollback."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction

from safeguard.cases import rules
from safeguard.cases.models import Case, ReferenceSequence
from safeguard.cases.tests.support import SHANGHAI

pytestmark = pytest.mark.django_db


def test_reference_format_has_the_type_prefix_the_year_and_six_digits(open_case):
    assert open_case(type="complaint").reference == "CMP-2026-000001"
    assert open_case(type="feedback").reference == "FBK-2026-000001"
    assert open_case(type="inquiry").reference == "INQ-2026-000001"
    assert open_case(type="compliment").reference == "CPL-2026-000001"
    assert open_case(type="complaint").reference == "CMP-2026-000002"


def test_numbers_are_sequential_per_prefix_and_year(open_case):
    refs = [open_case().reference for _ in range(3)]
    assert refs == ["CMP-2026-000001", "CMP-2026-000002", "CMP-2026-000003"]
    assert ReferenceSequence.objects.get(prefix="CMP", year=2026).last_number == 3


def test_the_year_is_the_year_of_receipt_in_the_institutions_time_zone(open_case):
    # 31 Dec 2025 23:30 in Shanghai is 15:30 UTC: the case belongs to 2025 ...
    late = open_case(received_at=datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI))
    # ... and 1 Jan 2026 07:30 in Shanghai is still 31 Dec in UTC, but belongs to 2026.
    early = open_case(received_at=datetime(2026, 1, 1, 7, 30, tzinfo=SHANGHAI))
    assert late.reference == "CMP-2025-000001"
    assert early.reference == "CMP-2026-000001"


def test_a_rolled_back_creation_gives_its_number_back(open_case):
    assert open_case().reference == "CMP-2026-000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert open_case().reference == "CMP-2026-000002"
        raise RuntimeError("the caller failed after creating the case")
    assert open_case().reference == "CMP-2026-000002"
    assert list(Case.objects.order_by("reference").values_list("reference", flat=True)) == [
        "CMP-2026-000001",
        "CMP-2026-000002",
    ]


def test_a_refused_creation_uses_no_number(open_case):
    assert open_case().reference == "CMP-2026-000001"
    with pytest.raises(Exception, match="not a valid"):
        open_case(channel="carrier pigeon")
    assert open_case().reference == "CMP-2026-000002"


def test_a_millionth_case_still_gets_a_unique_reference():
    assert rules.reference("CMP", 2026, 1_000_000) == "CMP-2026-1000000"
