"""Print the milestones of one complaint under one policy, as JSON."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from safeguard.core.errors import DomainError
from safeguard.deadlines.rules import compute_milestones
from safeguard.deadlines.selectors import policy_spec


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # argparse needs real strings, so translate when the parser is built.
        return gettext(
            "Compute the deadlines of a complaint and print one JSON object: "
            '{"policy": ..., "received_at": ..., "milestones": {name: ISO 8601 date-time}}, '
            "with the offset of the policy's time zone. Exits non-zero with a message on stderr "
            "when the deadlines cannot be computed (unknown policy or extension, a calendar year "
            "with no data, a bad date)."
        )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--policy", required=True, help=gettext("policy code, e.g. cn-nfra"))
        parser.add_argument(
            "--received",
            required=True,
            help=gettext(
                "when the complaint was received, ISO 8601, e.g. 2026-03-02T09:30:00+08:00; "
                "a date-time without an offset is read in the policy's time zone"
            ),
        )
        parser.add_argument("--extension", default="", help=gettext("name of an extension of the policy, e.g. complex"))
        parser.add_argument("--paused-days", type=int, default=0, help=gettext("whole days the clock was paused"))
        parser.add_argument(
            "--case-type", default="complaint", help=gettext("complaint (default), feedback, inquiry or compliment")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = policy_spec(options["policy"])
            zone = ZoneInfo(spec.zone)
            received_at = _parse_received(options["received"], zone)
            milestones = compute_milestones(
                spec,
                received_at=received_at,
                case_type=options["case_type"],
                extension=options["extension"] or None,
                paused_days=options["paused_days"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        result = {
            "policy": spec.code,
            "received_at": received_at.astimezone(zone).isoformat(),
            "milestones": {name: due.astimezone(zone).isoformat() for name, due in milestones.items()},
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def _parse_received(value: str, zone: ZoneInfo) -> datetime:
    try:
        received_at = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            gettext("--received must be an ISO 8601 date-time such as 2026-03-02T09:30:00+08:00, not “%(value)s”.")
            % {"value": value}
        ) from None
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=zone)
    return received_at
