"""The demo data set: staff of every role, bilingual customers and a few hundred cases in
every state, built through the real services so it obeys every rule the product does.

The clock is moved back while each case is worked, so a case received 40 days ago was
acknowledged, answered and resolved on the days it would have been. Random choices come
from a seeded generator: the same seed gives the same data set.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from django.contrib.auth.models import Group
from django.utils import timezone

from safeguard.accounts.models import Department, User
from safeguard.accounts.roles import Role, ensure_roles
from safeguard.cases import services
from safeguard.cases.demo import texts
from safeguard.cases.models import Case, Channel, Outcome, Redress, RootCause, Severity, Status
from safeguard.core.errors import DomainError
from safeguard.customers.models import Customer, Vulnerability
from safeguard.customers.services import create_customer

DEMO_MARKER_USER = "demo-admin"

DEPARTMENTS = [
    # code, name, Chinese name, kind, parent code
    ("head-office", "Head office", "总行", "head_office", None),
    ("consumer-protection", "Consumer protection", "消费者权益保护部", "department", "head-office"),
    ("card-centre", "Card centre", "信用卡中心", "department", "head-office"),
    ("retail-banking", "Retail banking", "个人金融部", "department", "head-office"),
    ("wealth-management", "Wealth management", "财富管理部", "department", "head-office"),
    ("branch-beijing", "Beijing branch", "北京分行", "branch", "head-office"),
    ("branch-shanghai", "Shanghai branch", "上海分行", "branch", "head-office"),
    ("branch-london", "London branch", "伦敦分行", "branch", "head-office"),
    ("branch-new-york", "New York branch", "纽约分行", "branch", "head-office"),
]

# Which department works which product's cases.
PRODUCT_DEPARTMENT = {
    "credit-card": "card-centre",
    "bank-card": "retail-banking",
    "deposit": "retail-banking",
    "personal-loan": "retail-banking",
    "payment": "retail-banking",
    "e-banking": "retail-banking",
    "wealth": "wealth-management",
    "insurance": "wealth-management",
    "fx": "branch-shanghai",
    "other": "consumer-protection",
}

# Who works the cases of a department (others go to demo-agent).
AGENT_FOR = {
    "wealth-management": "demo-agent-wealth",
    "branch-shanghai": "demo-agent-branch",
    "branch-beijing": "demo-agent-branch",
}

STAFF = [
    # username, role, first name, last name, departments, language
    ("demo-agent", Role.AGENT, "Li", "Na", ["card-centre", "retail-banking", "consumer-protection"], "zh-hans"),
    ("demo-agent-wealth", Role.AGENT, "Chen", "Jie", ["wealth-management"], "zh-hans"),
    ("demo-agent-branch", Role.AGENT, "Zhao", "Min", ["branch-beijing", "branch-shanghai"], "zh-hans"),
    ("demo-agent-london", Role.AGENT, "Emma", "Clarke", ["branch-london", "branch-new-york"], "en"),
    ("demo-supervisor", Role.SUPERVISOR, "Wang", "Qiang", ["consumer-protection"], "zh-hans"),
    ("demo-compliance", Role.COMPLIANCE, "Liu", "Yang", ["head-office"], "zh-hans"),
    ("demo-auditor", Role.AUDITOR, "Sarah", "Hughes", ["head-office"], "en"),
    (DEMO_MARKER_USER, Role.ADMINISTRATOR, "Admin", "Demo", ["head-office"], "en"),
]

DECISION = {
    "zh-hans": (
        "依据《银行业保险业消费投诉处理管理办法》及相关合同条款，经调取交易记录和业务档案核实。",
        "经核查，您反映的问题属实/部分属实，我行已按规定予以处理并致歉。",
        "如您对处理结果不满意，可向我行申请核查，也可申请调解、仲裁或依法提起诉讼。",
    ),
    "en": (
        "Our terms and conditions and the records of the transactions concerned, reviewed under our complaints procedure.",
        "We reviewed the records and the call notes; our findings and the reasons for them are set out above.",
        "If you are unhappy with this response you may refer your complaint to the Financial Ombudsman Service within six months.",
    ),
}


@dataclass
class Summary:
    staff: dict[str, str] = field(default_factory=dict)
    customers: int = 0
    cases: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    breached: int = 0
    skipped: list[str] = field(default_factory=list)


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """Run services as if it were ``at`` (demo data only: tests use time_machine)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def is_loaded() -> bool:
    return User.objects.filter(username=DEMO_MARKER_USER).exists()


def load(*, cases: int = 300, seed: int = 2026, accounts_file: Path | None = None) -> Summary:
    rng = random.Random(seed)
    summary = Summary()
    ensure_roles()
    departments = _departments()
    staff = _staff(departments, summary)
    customers = _customers(rng, count=max(cases // 2, 10))
    summary.customers = len(customers)
    now = timezone.now()
    for i in range(cases):
        try:
            case = _one_case(rng, i, now, customers, staff, departments)
        except DomainError as exc:
            summary.skipped.append(f"case {i}: {exc.code}: {exc.detail}")
            continue
        summary.cases += 1
        summary.by_status[case.status] = summary.by_status.get(case.status, 0) + 1
    services.scan_deadlines(now=now)
    summary.breached = Case.objects.filter(is_breached=True).count()
    if accounts_file is not None:
        accounts_file.parent.mkdir(parents=True, exist_ok=True)
        accounts_file.write_text(json.dumps(summary.staff, indent=2))
        accounts_file.chmod(0o600)
    return summary


def _departments() -> dict[str, Department]:
    made: dict[str, Department] = {}
    for code, name, name_zh, kind, parent in DEPARTMENTS:
        made[code], _created = Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_zh": name_zh, "kind": kind, "parent": made.get(parent or "")},
        )
    return made


def _staff(departments: dict[str, Department], summary: Summary) -> dict[str, User]:
    made: dict[str, User] = {}
    for username, role, first, last, depts, language in STAFF:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{username}@bank.example",
            preferred_language=language,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        user.groups.add(Group.objects.get(name=str(role)))
        user.departments.set([departments[d] for d in depts])
        made[username] = user
        summary.staff[username] = password
    return made


def _national_id(rng: random.Random, birth: datetime) -> str:
    """A syntactically valid 18-digit PRC resident ID (GB 11643-1999 check digit) for a fictional person."""
    body = f"110105{birth:%Y%m%d}{rng.randint(100, 999)}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _customers(rng: random.Random, *, count: int) -> list[Customer]:
    customers = []
    for n in range(count):
        chinese = rng.random() < 0.8
        birth = datetime(rng.randint(1940, 2002), rng.randint(1, 12), rng.randint(1, 28))
        if chinese:
            name = rng.choice(texts.CHINESE_SURNAMES) + rng.choice(texts.CHINESE_GIVEN)
            email = f"user{n:04d}@mail.example.cn"
        else:
            first, last = rng.choice(texts.ENGLISH_FIRST), rng.choice(texts.ENGLISH_LAST)
            name = f"{first} {last}"
            email = f"{first.lower()}.{last.lower()}{n}@mail.example.com"
        vulnerabilities = []
        if birth.year < 1955:
            vulnerabilities.append(Vulnerability.ELDERLY)
        if rng.random() < 0.06:
            vulnerabilities.append(
                rng.choice([Vulnerability.FINANCIAL_HARDSHIP, Vulnerability.BEREAVEMENT, Vulnerability.DISABILITY])
            )
        if not chinese and rng.random() < 0.3:
            vulnerabilities.append(Vulnerability.LANGUAGE_NEED)
        customers.append(
            create_customer(
                by=None,
                customer_no=f"DEMO{n + 1:06d}",
                name=name,
                national_id=_national_id(rng, birth),
                phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                email=email,
                address=f"{rng.choice(texts.CITIES)}{rng.randint(1, 999)}号",
                account_numbers=[f"6222{rng.randint(10**11, 10**12 - 1)}"],
                preferred_language="zh-hans" if chinese else "en",
                preferred_channel=rng.choice(["email", "phone", "sms", "portal"]),
                vulnerabilities=vulnerabilities,
                segment=rng.choice(["retail", "retail", "retail", "private", "small_business"]),
                kyc_level=rng.choice(["basic", "enhanced"]),
                risk_rating=rng.choice(["low", "low", "medium", "high"]),
            )
        )
    return customers


def _one_case(
    rng: random.Random,
    i: int,
    now: datetime,
    customers: list[Customer],
    staff: dict[str, User],
    departments: dict[str, Department],
) -> Case:
    customer = rng.choice(customers)
    language = customer.preferred_language
    scenarios = [s for s in texts.SCENARIOS if s[2] == language] or texts.SCENARIOS
    product, case_type, _lang, subject, description = rng.choice(scenarios)
    # Every 7th case is recent; every 12th (from the 2nd) is an old one left open, so it breaches.
    left_open = i % 12 == 1
    days = rng.uniform(25, 60) if left_open else (rng.uniform(0, 75) if i % 7 else rng.uniform(0, 5))
    age = timedelta(days=days, hours=rng.uniform(0, 23))
    received_at = now - age
    if language == "en":
        branch = rng.choice(["branch-london", "branch-london", "branch-new-york"])
        policy = "uk-fca-disp" if branch == "branch-london" else "us-cfpb"
        department, agent = departments[branch], staff["demo-agent-london"]
    else:
        policy = "cn-nfra"
        department = departments[PRODUCT_DEPARTMENT[product]]
        agent = staff[AGENT_FOR.get(department.code, "demo-agent")]
    channel = rng.choice([Channel.PORTAL, Channel.EMAIL, Channel.PHONE, Channel.PHONE, Channel.BRANCH, Channel.API])
    if i % 41 == 0:
        channel = Channel.REGULATOR
    severity = (
        Severity.HIGH
        if any(w in description for w in ("骗", "盗刷", "unauthorised", "78岁", "72"))
        else rng.choice([Severity.LOW, Severity.MEDIUM, Severity.MEDIUM])
    )
    supervisor = staff["demo-supervisor"]
    with clock(received_at):
        case = services.open_case(
            by=agent if channel in (Channel.PHONE, Channel.BRANCH) else None,
            customer=customer,
            type=case_type,
            channel=channel,
            subject=subject,
            description=description,
            received_at=received_at,
            product=product,
            severity=severity,
            policy=policy,
            department=department,
            external_reference=f"NFRA-{received_at:%Y%m%d}-{i:03d}" if channel == Channel.REGULATOR else "",
        )
    step = received_at
    # How far the case has got: older cases are mostly finished, a few are left to breach.
    days_old = age.days
    stage = rng.random()

    def at(hours: float) -> datetime:
        nonlocal step
        step = min(step + timedelta(hours=hours), now)
        return step

    with clock(at(rng.uniform(0.2, 3))):
        if case.status == Status.RECEIVED:
            case = services.acknowledge(case=case, by=agent)
        case = services.assign(case=case, by=supervisor, version=case.version, assignee=agent)
    if days_old < 1 and stage < 0.5:
        return case
    with clock(at(rng.uniform(2, 20))):
        case = services.transition(case=case, to=Status.INVESTIGATING, by=agent, version=case.version)
        services.add_message(
            case=case,
            by=agent,
            direction="out",
            body=_first_reply(language, case.reference),
            channel=Channel.EMAIL,
        )
        case = Case.objects.get(pk=case.pk)
    if i % 23 == 5:
        with clock(at(rng.uniform(1, 48))):
            return services.withdraw(case=case, by=agent, version=case.version, reason=_withdraw_reason(language))
    if stage < 0.12 and 3 < days_old < 20:
        with clock(at(rng.uniform(4, 30))):
            case = services.transition(case=case, to=Status.AWAITING_CUSTOMER, by=agent, version=case.version)
        return case
    # Feedback is handled within 48 hours; complaints take days; some old ones are left open to breach.
    work_days = rng.uniform(0.5, 1.8) if case_type in ("feedback", "compliment", "inquiry") else rng.uniform(2, 13)
    if days_old < work_days or left_open:
        return case
    with clock(at(work_days * 24)):
        outcome = rng.choice([Outcome.UPHELD, Outcome.PARTIALLY_UPHELD, Outcome.NOT_UPHELD])
        redress: list[dict[str, Any]] = []
        if case_type == "complaint" and outcome != Outcome.NOT_UPHELD:
            big = i % 17 == 3
            amount = f"{rng.randint(6000, 20000)}.00" if big else f"{rng.randint(50, 2000)}.00"
            redress.append(
                {
                    "kind": rng.choice(list(Redress.Kind.values)),
                    "amount": amount,
                    "currency": "GBP" if policy == "uk-fca-disp" else ("USD" if policy == "us-cfpb" else "CNY"),
                }
            )
        basis, reasons, remedies = DECISION["en" if language == "en" else "zh-hans"]
        root_cause = rng.choice(list(RootCause.objects.filter(is_active=True)))
        case = services.resolve(
            case=case,
            by=agent,
            version=case.version,
            outcome=outcome if case_type == "complaint" else Outcome.NOT_UPHELD,
            root_cause=root_cause,
            decision_basis=basis,
            reasons=reasons,
            remedies=remedies,
            apology_given=outcome != Outcome.NOT_UPHELD,
            redress=redress,
        )
    if i % 31 == 7:
        with clock(at(rng.uniform(24, 72))):
            return services.refer(
                case=case,
                by=supervisor,
                version=case.version,
                body=_referral(language),
                reference=f"FOS-{i:05d}" if language == "en" else f"调解-{i:05d}",
            )
    pending = case.redress.filter(state=Redress.State.PENDING_APPROVAL).first()
    if pending is not None and i % 2:
        with clock(at(rng.uniform(2, 24))):
            services.approve_redress(redress=pending, by=supervisor)
        case = Case.objects.get(pk=case.pk)
    if (
        days_old > work_days + 5
        and rng.random() < 0.7
        and not case.redress.filter(state=Redress.State.PENDING_APPROVAL).exists()
    ):
        with clock(at(rng.uniform(72, 120))):
            case = services.close(case=case, by=agent, version=case.version)
    return case


def _first_reply(language: str, reference: str) -> str:
    if language == "en":
        return (
            f"Dear customer, thank you for contacting us. We have received your complaint ({reference}) "
            "and a complaint handler is looking into it. We will write to you again as soon as we have "
            "reviewed the records."
        )
    return f"尊敬的客户您好，您反映的问题（编号 {reference}）我们已经收到，专人正在调查处理，我们会尽快给您答复。"


def _withdraw_reason(language: str) -> str:
    return (
        "The customer called to say the matter is settled."
        if language == "en"
        else "客户来电表示问题已自行解决，申请撤回。"
    )


def _referral(language: str) -> str:
    if language == "en":
        return "The customer has referred the complaint to the Financial Ombudsman Service; case file sent."
    return "客户不接受处理结果，已申请第三方调解，案件材料已移交调解组织。"
