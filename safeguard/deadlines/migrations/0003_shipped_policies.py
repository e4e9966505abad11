"""Ship the deadline policies. The data is written out here, frozen, as shipped.

Counting rules and legal basis: docs/deadlines.md.
"""

from django.db import migrations

POLICIES = [
    {
        "code": "internal-standard",
        "name": "Published service standard",
        "name_zh": "对外公布的服务标准",
        "calendar": "cn",
        "allows_pause": False,
        "description": (
            "The institution's published service standard (its own commitment, not a regulation): "
            "every complaint and piece of feedback is acknowledged automatically at receipt; a first "
            "response is due 24 hours after receipt; feedback gets its full answer 48 hours after "
            "receipt. Elapsed hours, Asia/Shanghai. The clock is never paused: the standard promises "
            "a response time, not a working time."
        ),
        "milestones": [
            ("acknowledge", "elapsed_hours", 0, [], False),
            ("first_response", "elapsed_hours", 24, [], False),
            ("final_response", "elapsed_hours", 48, ["feedback"], False),
        ],
        "extensions": [],
    },
    {
        "code": "cn-nfra",
        "name": "NFRA consumer complaints (15/30/60 days)",
        "name_zh": "银行业保险业消费投诉处理（15/30/60日）",
        "calendar": "cn",
        "allows_pause": True,
        "description": (
            "《银行业保险业消费投诉处理管理办法》(CBIRC Order 2020 No. 3, administered by the NFRA) art. 18: "
            "a decision within 15 days of receipt; complex cases may be extended to 30 days; particularly "
            "complex cases or other special reasons, with approval by the higher-level institution or a "
            "senior manager of the head office and notice to the complainant, by a further 30 days (60 in "
            "total). Periods during which an external body carries out an appraisal, test or assessment "
            "may be left out of the period (art. 18), which is what a pause records. "
            "Counting by the Civil Code arts. 201-203: the day of receipt is not counted; a last day that "
            "is a statutory rest day moves to the next working day (adjusted working Saturdays and Sundays "
            "are working days); the period ends at 24:00, shown as 23:59:59 Asia/Shanghai."
        ),
        "milestones": [
            ("final_response", "calendar_days", 15, [], True),
        ],
        "extensions": [
            {
                "name": "complex",
                "unit": "calendar_days",
                "amount": 30,
                "needs_senior_approval": False,
                "needs_customer_notice": False,
                "description": "Art. 18: a complex case may be extended to 30 days after receipt.",
            },
            {
                "name": "special",
                "unit": "calendar_days",
                "amount": 60,
                "needs_senior_approval": True,
                "needs_customer_notice": True,
                "description": (
                    "Art. 18: particularly complex or other special reasons: a further 30 days (60 after "
                    "receipt), approved by the higher-level institution or a head-office senior manager, "
                    "with notice to the complainant."
                ),
            },
        ],
    },
    {
        "code": "uk-fca-disp",
        "name": "FCA DISP: eight weeks",
        "name_zh": "英国FCA DISP：八周",
        "calendar": "gb-eng",
        "allows_pause": False,
        "description": (
            "FCA Handbook DISP 1.6.2R: by the end of eight weeks after receipt of the complaint, send a "
            "final response, or a written response explaining why one cannot yet be given and telling the "
            "complainant of the right to refer the complaint to the Financial Ombudsman Service. Counted "
            "as 56 calendar days after the day of receipt, ending 23:59:59 Europe/London; it does not move "
            "off weekends or bank holidays, and DISP has no clock-stop."
        ),
        "milestones": [
            ("final_response", "calendar_days", 56, [], False),
        ],
        "extensions": [],
    },
    {
        "code": "uk-psd2",
        "name": "FCA DISP: payment services and e-money (15/35 business days)",
        "name_zh": "英国FCA DISP：支付服务与电子货币（15/35个工作日）",
        "calendar": "gb-eng",
        "allows_pause": False,
        "description": (
            "FCA Handbook DISP 1.6.2AR (payment services and electronic money complaints, from PSD2 art. 101): "
            "a final response by the end of 15 business days after the day on which the complaint was "
            "received. In exceptional situations, for reasons beyond the firm's control, a holding reply "
            "explaining the delay and giving the date of the final response, which must be no later than "
            "35 business days after the day of receipt. Business days exclude weekends and England and "
            "Wales bank holidays; the period ends 23:59:59 Europe/London."
        ),
        "milestones": [
            ("final_response", "business_days", 15, [], False),
        ],
        "extensions": [
            {
                "name": "exceptional",
                "unit": "business_days",
                "amount": 35,
                "needs_senior_approval": False,
                "needs_customer_notice": True,
                "description": (
                    "DISP 1.6.2AR(2): exceptional situations beyond the firm's control; needs a holding reply "
                    "to the complainant. Final response by the end of the 35th business day after receipt."
                ),
            },
        ],
    },
    {
        "code": "us-cfpb",
        "name": "CFPB company portal (15/60 days)",
        "name_zh": "美国CFPB投诉门户（15/60日）",
        "calendar": "us",
        "allows_pause": False,
        "description": (
            "Consumer Financial Protection Bureau complaint process (company portal): companies respond to "
            "complaints sent by the CFPB within 15 calendar days, and close all but the most complicated "
            "with a final response within 60 calendar days. Counted from the day after receipt, ending "
            "23:59:59 America/New_York; no move off weekends or federal holidays."
        ),
        "milestones": [
            ("first_response", "calendar_days", 15, [], False),
            ("final_response", "calendar_days", 60, [], False),
        ],
        "extensions": [],
    },
]


def ship(apps, schema_editor):
    calendar_model = apps.get_model("deadlines", "Calendar")
    policy_model = apps.get_model("deadlines", "DeadlinePolicy")
    milestone_model = apps.get_model("deadlines", "PolicyMilestone")
    extension_model = apps.get_model("deadlines", "PolicyExtension")
    for data in POLICIES:
        policy = policy_model.objects.create(
            code=data["code"],
            name=data["name"],
            name_zh=data["name_zh"],
            description=data["description"],
            calendar=calendar_model.objects.get(code=data["calendar"]),
            allows_pause=data["allows_pause"],
            is_active=True,
        )
        for milestone, unit, amount, case_types, rolls in data["milestones"]:
            milestone_model.objects.create(
                policy=policy,
                milestone=milestone,
                unit=unit,
                amount=amount,
                case_types=case_types,
                rolls_to_working_day=rolls,
            )
        for extension in data["extensions"]:
            extension_model.objects.create(policy=policy, **extension)


def unship(apps, schema_editor):
    policy_model = apps.get_model("deadlines", "DeadlinePolicy")
    codes = [data["code"] for data in POLICIES]
    apps.get_model("deadlines", "PolicyMilestone").objects.filter(policy__code__in=codes).delete()
    apps.get_model("deadlines", "PolicyExtension").objects.filter(policy__code__in=codes).delete()
    policy_model.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_shipped_calendars"),
    ]

    operations = [
        migrations.RunPython(ship, unship),
    ]
