"""``manage.py deadline`` prints one JSON object with the policy's milestones in its zone, and
exits non-zero with a clear message on stderr when it cannot compute them."""

import json
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict:
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--policy", "cn-nfra", "--received", "2026-02-01T10:00:00+08:00"],
            {"policy": "cn-nfra", "received_at": "2026-02-01T10:00:00+08:00",
             "milestones": {"final_response": "2026-02-24T23:59:59+08:00"}},
            id="cn-nfra-spring-festival",
        ),
        pytest.param(
            # Given in UTC; printed in the policy's zone. 16:30 UTC on 2 Mar is 3 Mar in Shanghai.
            ["--policy", "cn-nfra", "--received", "2026-03-02T16:30:00Z", "--extension", "complex"],
            {"policy": "cn-nfra", "received_at": "2026-03-03T00:30:00+08:00",
             # 3 Mar + 30 = 2 Apr (Thu), a working day.
             "milestones": {"final_response": "2026-04-02T23:59:59+08:00"}},
            id="cn-nfra-complex-utc",
        ),
        pytest.param(
            ["--policy", "cn-nfra", "--received", "2026-03-02T10:00:00+08:00", "--paused-days", "5"],
            {"policy": "cn-nfra", "received_at": "2026-03-02T10:00:00+08:00",
             "milestones": {"final_response": "2026-03-23T23:59:59+08:00"}},
            id="cn-nfra-paused",
        ),
        pytest.param(
            # No offset: read in Europe/London (GMT in December).
            ["--policy", "uk-psd2", "--received", "2026-12-14T10:00", "--extension", "exceptional"],
            {"policy": "uk-psd2", "received_at": "2026-12-14T10:00:00+00:00",
             "milestones": {"final_response": "2027-02-04T23:59:59+00:00"}},
            id="uk-psd2-naive-is-london",
        ),
        pytest.param(
            ["--policy", "us-cfpb", "--received", "2026-03-01T12:00:00-05:00"],
            {"policy": "us-cfpb", "received_at": "2026-03-01T12:00:00-05:00",
             "milestones": {"first_response": "2026-03-16T23:59:59-04:00", "final_response": "2026-04-30T23:59:59-04:00"}},
            id="us-cfpb",
        ),
        pytest.param(
            ["--policy", "internal-standard", "--received", "2026-03-02T09:00:00+08:00", "--case-type", "feedback"],
            {"policy": "internal-standard", "received_at": "2026-03-02T09:00:00+08:00",
             "milestones": {"acknowledge": "2026-03-02T09:00:00+08:00", "first_response": "2026-03-03T09:00:00+08:00",
                            "final_response": "2026-03-04T09:00:00+08:00"}},
            id="internal-feedback",
        ),
        pytest.param(
            ["--policy", "internal-standard", "--received", "2026-03-02T09:00:00+08:00"],
            {"policy": "internal-standard", "received_at": "2026-03-02T09:00:00+08:00",
             "milestones": {"acknowledge": "2026-03-02T09:00:00+08:00", "first_response": "2026-03-03T09:00:00+08:00"}},
            id="internal-complaint-by-default",
        ),
    ],
)  # fmt: skip
def test_the_command_prints_the_milestones_as_json(args, expected):
    assert run(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "nope", "--received", "2026-03-02T10:00:00+08:00"], "no deadline policy “nope”"),
        (["--policy", "cn-nfra", "--received", "2nd of March"], "must be an ISO 8601 date-time"),
        (
            ["--policy", "cn-nfra", "--received", "2026-03-02T10:00:00+08:00", "--extension", "urgent"],
            "no extension called “urgent”",
        ),
        (
            ["--policy", "uk-fca-disp", "--received", "2026-03-02T10:00:00Z", "--paused-days", "3"],
            "does not allow the clock to be paused",
        ),
        (["--policy", "cn-nfra", "--received", "2026-03-02T10:00:00+08:00", "--paused-days", "-2"], "zero or more"),
    ],
)
def test_the_command_fails_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("deadline", *args)


def test_from_the_command_line_a_failure_exits_non_zero_with_the_message_on_stderr(capsys):
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "deadline", "--policy", "nope", "--received", "2026-03-02"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert out == "" and "no deadline policy “nope”" in err


def test_the_help_says_how_a_time_without_an_offset_is_read(capsys):
    with pytest.raises(SystemExit):
        execute_from_command_line(["manage.py", "deadline", "--help"])
    assert "without an offset is read in the policy's time zone" in " ".join(capsys.readouterr().out.split())
