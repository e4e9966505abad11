"""Bulk import of cases from CSV or XLSX files (``manage.py import_cases``; docs/import.md).

Two formats: ``cfpb``, the columns of the US CFPB public complaint database, and ``safeguard``,
our own columns. Each row is read and validated in Python (a bad row is reported with its row
number, external id, column and message, and the others go on); the good rows are opened a batch
at a time with ``cases.services.open_cases_bulk`` (one transaction and one audit entry per batch).
A batch the database refuses is retried row by row, so only the bad rows are reported.

Import is idempotent by external id: a row whose (source, external reference) is already a case
is counted as already present and skipped, also when the same id appears twice in one file.

The file itself is the raw item here: rows are not stored as ``InboundItem`` one by one (that
would double the writes of an import), and nothing is lost because the file is kept by whoever
sent it and the error report names every row that was not imported. Imported cases get no
letters: letters go out from the channels that serve customers (``intake.services.submit``),
never from ``open_cases_bulk``.
"""

from __future__ import annotations

import codecs
import csv
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.cases.access import ensure_can
from safeguard.cases.models import Case, CaseType, Category, Channel, Product, Severity, Status
from safeguard.cases.services import NewCase, NewCustomer, Opened, open_cases_bulk
from safeguard.core.errors import DomainError, InvalidInput, PermissionDenied
from safeguard.customers import crypto
from safeguard.customers.models import ContactChannel, Customer, Vulnerability
from safeguard.customers.services import clean_pii
from safeguard.deadlines.selectors import deadline_rules

FORMATS = ("cfpb", "safeguard")
DEFAULT_BATCH_SIZE = 1000
SQLITE_CACHE_KB = 256 * 1024
CFPB_SOURCE = "cfpb"
CFPB_POLICY = "us-cfpb"
# The external source of ``safeguard``-format rows unless the operator names one (``--source``).
DEFAULT_SOURCE = "import"
ERROR, WARNING = "error", "warning"
REPORT_COLUMNS = ("row", "external_id", "level", "column", "message")

csv.field_size_limit(16 * 1024 * 1024)  # CFPB narratives and pasted letters can be long


@dataclass(frozen=True)
class Problem:
    """One line of the error report. ``row`` counts like a spreadsheet: the header is row 1."""

    row: int
    external_id: str
    level: str
    column: str
    message: str

    def as_row(self) -> list[str]:
        return [str(self.row), self.external_id, self.level, self.column, self.message]


@dataclass
class Summary:
    read: int = 0
    created: int = 0
    present: int = 0
    errors: int = 0
    warnings: int = 0
    closed: int = 0
    customers_created: int = 0
    batches: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


class RowError(Exception):
    """A row that cannot be imported; ``column`` is the file's column at fault."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, wrong columns): nothing was imported."""


# --- reading files ------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` (with or without a BOM) when the whole file is UTF-8, else ``gb18030``.

    The whole file is checked before any row is imported (a chunked incremental decode, fast),
    so an encoding problem late in a large file never leaves half an import behind.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def is_xlsx(path: Path) -> bool:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (spreadsheet row number, values)
    total: int | None = None  # rows after the header, when known cheaply
    close: Callable[[], None] = lambda: None


def open_table(path: Path) -> Table:
    return _open_xlsx(path) if is_xlsx(path) else _open_csv(path)


def _open_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    handle = path.open(encoding=encoding, newline="")
    try:
        reader = csv.reader(handle)
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise ImportFileError(_("The file is not a readable CSV file: %(error)s") % {"error": exc}) from exc
    if header is None:
        handle.close()
        raise ImportFileError(_("The file is empty."))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        for values in reader:
            number += 1
            if any(values):  # a blank line (a row of spaces is reported: it has no id)
                yield number, values

    return Table(header=header, rows=rows(), close=handle.close)


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key) for a broken file
        raise ImportFileError(_("The file is not a readable XLSX workbook: %(error)s") % {"error": exc}) from exc
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None:
        book.close()
        raise ImportFileError(_("The file is empty."))
    header = ["" if v is None else str(v) for v in first]
    total = sheet.max_row - 1 if sheet.max_row else None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, row in enumerate(values, start=2):
            if any(v is not None and str(v).strip() for v in row):
                yield number, list(row)

    return Table(header=header, rows=rows(), total=total, close=book.close)


def column_key(name: str) -> str:
    """``"Consumer consent provided?"`` → ``"consumer_consent_provided"``; matches API exports too."""
    return re.sub(r"[^0-9a-z]+", "_", name.replace("\ufeff", "").strip().casefold()).strip("_")


def text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0`` (XLSX keeps ids as floats)."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> date:
    """ISO ``2024-05-17`` (also a timestamp) or US ``05/17/2024``; XLSX date cells as they are."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    try:
        return datetime.fromisoformat(raw).date() if "T" in raw or " " in raw else date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return datetime.strptime(raw, "%m/%d/%Y").date()
    except ValueError:
        raise ValueError(raw) from None


def parse_moment(value: Any, zone: ZoneInfo) -> datetime:
    """An aware moment: ISO 8601 with an offset as given; without one, or a date alone
    (midnight), in ``zone``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, dtime())
    else:
        raw = text(value)
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            moment = datetime.combine(parse_date(raw), dtime())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


# --- formats ------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A valid row, ready for ``NewCase`` once its customer is known."""

    row: int
    external_id: str
    case: dict[str, Any]
    customer_key: tuple[str, ...]
    customer: NewCustomer  # the profile to create when none matches customer_key
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


class Lookups:
    """The taxonomy and departments, read once per import."""

    def __init__(self) -> None:
        self.products = {p.code: p for p in Product.objects.filter(is_active=True)}
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        self.departments = {d.code: d for d in Department.objects.all()}


# CFPB product (lower case) → our product code; see 0002_default_taxonomy for the mapping.
CFPB_PRODUCTS = {
    "credit card or prepaid card": "credit-card",
    "credit card": "credit-card",
    "prepaid card": "bank-card",
    "checking or savings account": "deposit",
    "bank account or service": "deposit",
    "mortgage": "personal-loan",
    "vehicle loan or lease": "personal-loan",
    "student loan": "personal-loan",
    "consumer loan": "personal-loan",
    "payday loan": "personal-loan",
    "payday loan, title loan, or personal loan": "personal-loan",
    "payday loan, title loan, personal loan, or advance loan": "personal-loan",
    "money transfer, virtual currency, or money service": "payment",
    "money transfers": "payment",
    "virtual currency": "payment",
    "credit reporting, credit repair services, or other personal consumer reports": "other",
    "credit reporting or other personal consumer reports": "other",
    "credit reporting": "other",
    "debt collection": "other",
    "debt or credit management": "other",
    "other financial service": "other",
}
# Sub-products that move a row to another of our products.
CFPB_SUB_PRODUCTS = {
    "general-purpose prepaid card": "bank-card",
    "gift card": "bank-card",
    "government benefit card": "bank-card",
    "payroll card": "bank-card",
    "student prepaid card": "bank-card",
    "general purpose card": "bank-card",
    "international money transfer": "fx",
    "foreign currency exchange": "fx",
    "credit card debt": "credit-card",
    "mortgage debt": "personal-loan",
    "auto debt": "personal-loan",
    "payday loan debt": "personal-loan",
    "federal student loan debt": "personal-loan",
    "private student loan debt": "personal-loan",
}
# Issue (then sub-issue) → category: the first pattern that matches wins. The CFPB's ~150
# issue wordings change over the years; these keywords cover the common ones. An issue that
# maps to nothing leaves the category empty (it is in the description's header either way).
CFPB_CATEGORIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), code)
    for p, code in [
        (r"fraud|unauthori[sz]ed|scam|identity theft|embezzle", "unauthorised-transaction"),
        (
            r"credit report|your report|existing problem|credit monitoring|identity protection|credit score",
            "credit-reporting",
        ),
        (
            r"collect debt|debt not owed|notification about debt|threatened|communication tactics|false statements",
            "debt-collection",
        ),
        (r"\bfees?\b", "fees-charges"),
        (r"\binterest\b|\brates?\b|\bapr\b", "interest-rates"),
        (r"advertising|marketing|\bsales?\b|incorrect information about", "mis-selling"),
        (r"disclos|confusing|unclear", "disclosure"),
        (
            r"opening an account|closing an account|closing your account|managing an account|account opening",
            "account-access",
        ),
        (
            r"\bloan\b|mortgage|struggling to pay|applying for|repay|servicing|\blease\b|payoff|foreclos|modification",
            "loan-processing",
        ),
        (r"privacy|personal information|data breach", "personal-information"),
        (r"customer service|customer relations", "service-quality"),
        (r"online|mobile|website|\bapp\b|digital", "digital-channels"),
        (
            r"transaction|purchase|payment|deposit|withdraw|transfer|money was not|funds|\bcheck\b|statement",
            "transaction-error",
        ),
        (r"\bterms\b|changes to|contract", "contract-terms"),
    ]
]
# "Submitted via" (lower case) → channel: how the consumer reached the CFPB. Paper (post, fax)
# has no channel of its own: staff log it like a branch visit. Anything else: regulator (the
# CFPB sent every one of these complaints to the company).
CFPB_CHANNELS = {
    "web": Channel.PORTAL,
    "phone": Channel.PHONE,
    "email": Channel.EMAIL,
    "referral": Channel.REGULATOR,
    "web referral": Channel.REGULATOR,
    "postal mail": Channel.BRANCH,
    "fax": Channel.BRANCH,
}
CFPB_COLUMNS = [
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "Company",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Consumer disputed?",
    "Complaint ID",
]
# The CFPB's API and JSON exports name some columns differently.
CFPB_ALIASES = {
    "complaint_what_happened": "consumer_complaint_narrative",
    "company_response": "company_response_to_consumer",
    "timely": "timely_response",
    "zip": "zip_code",
}
# Answers the CFPB records while a complaint is still with the company.
CFPB_OPEN_RESPONSES = {"", "in progress"}
MAX_COMPLAINT_ID = 35  # "CFPB-" + the id must fit a customer number (40)
_COMPLAINT_ID = re.compile(r"[0-9A-Za-z._-]+")


class CfpbFormat:
    name = "cfpb"
    id_column = "Complaint ID"
    required = ("complaint_id", "date_received")

    def __init__(self, lookups: Lookups, *, source: str, department: Department | None, now: datetime) -> None:
        self.lookups = lookups
        self.source = source or CFPB_SOURCE
        self.department = department
        self.now = now
        policy = deadline_rules().active(CFPB_POLICY)
        if policy is None:
            raise ImportFileError(_("The deadline policy “%(policy)s” is not active.") % {"policy": CFPB_POLICY})
        # Date received is the CFPB's date: midnight in the zone its deadlines are counted in.
        self.zone = ZoneInfo(policy.spec.zone)
        self.columns = {column_key(c): c for c in CFPB_COLUMNS}
        self.dates: dict[Any, datetime | RowError] = {}
        self.taxonomy: dict[tuple[str, str, str, str], tuple[Product | None, Category | None]] = {}
        # Translated once: an import asks for the same few texts on every row.
        self.text = {
            "no_id": _("The complaint ID is missing."),
            "future": _("The date of receipt is in the future."),
            "no_product": _("Product “%(product)s” is not in the taxonomy: imported without a product."),
            "unknown_channel": _("Unknown channel “%(value)s”: recorded as a regulator referral."),
            "nothing": _("There is no narrative, product or issue to describe."),
            "bad_sent": _("“%(value)s” is not a date: ignored."),
            "no_narrative": _("No narrative was published with this complaint."),
            "closed": _("Closed on import: the CFPB recorded the company's response “%(response)s”."),
            "servicemember": _("The CFPB tagged this consumer as a servicemember, veteran or military family member."),
        }

    def column(self, field: str) -> str:
        mapped = {
            "received_at": "Date received",
            "description": "Consumer complaint narrative",
            "channel": "Submitted via",
            "category": "Issue",
            "product": "Product",
        }
        return mapped.get(field, field)

    def external_id(self, record: Mapping[str, Any]) -> str:
        return text(record.get("complaint_id"))

    def prepare(self, row: int, record: Mapping[str, Any]) -> Prepared:
        get = record.get
        complaint_id = text(get("complaint_id"))
        if not complaint_id:
            raise RowError("Complaint ID", self.text["no_id"])
        if len(complaint_id) > MAX_COMPLAINT_ID or not _COMPLAINT_ID.fullmatch(complaint_id):
            raise RowError("Complaint ID", _("“%(value)s” is not a complaint ID.") % {"value": complaint_id[:60]})
        received = self._received(get("date_received"))

        product_name, sub_product = text(get("product")), text(get("sub_product"))
        issue, sub_issue = text(get("issue")), text(get("sub_issue"))
        product, category = self._taxonomy(product_name, sub_product, issue, sub_issue)
        warnings: list[tuple[str, str]] = []
        if product_name and product is None:
            warnings.append(("Product", self.text["no_product"] % {"product": product_name}))
        via = text(get("submitted_via"))
        channel = CFPB_CHANNELS.get(via.casefold())
        if channel is None:
            channel = Channel.REGULATOR
            if via:
                warnings.append(("Submitted via", self.text["unknown_channel"] % {"value": via}))
        tags_text = text(get("tags"))
        tags = [t.strip() for t in tags_text.split(",") if t.strip()] if tags_text else []
        folded = {t.casefold() for t in tags}
        response = text(get("company_response_to_consumer"))
        closed = response.casefold() not in CFPB_OPEN_RESPONSES
        narrative = text(get("consumer_complaint_narrative"))
        if not narrative and not (product_name or issue):
            raise RowError("Consumer complaint narrative", self.text["nothing"])
        sent = text(get("date_sent_to_company"))
        if sent:
            try:
                sent = parse_date(sent).isoformat()
            except ValueError:
                warnings.append(("Date sent to company", self.text["bad_sent"] % {"value": sent[:60]}))
                sent = ""
        timely, disputed = text(get("timely_response")), text(get("consumer_disputed"))

        # The CFPB fields without a column of their own head the description, labelled with the
        # CFPB's own column names (the source's words, not ours, so not translated).
        lines = [f"CFPB complaint {complaint_id}"]
        for label, value in (
            (
                "Product",
                f"{product_name} / {sub_product}" if product_name and sub_product else product_name or sub_product,
            ),
            ("Issue", f"{issue} / {sub_issue}" if issue and sub_issue else issue or sub_issue),
            ("Company", text(get("company"))),
            ("State", text(get("state"))),
            ("ZIP code", text(get("zip_code"))),
            ("Submitted via", via),
            ("Tags", tags_text),
            ("Company response to consumer", response),
            ("Timely response?", timely),
            ("Consumer disputed?", disputed),
            ("Company public response", text(get("company_public_response"))),
        ):
            if value:
                lines.append(f"{label}: {value}")
        lines.append("")
        lines.append(narrative or self.text["no_narrative"])
        customer_no = f"CFPB-{complaint_id}"
        return Prepared(
            row=row,
            external_id=complaint_id,
            customer_key=(customer_no,),
            # The CFPB publishes no name or contact: one anonymous profile per complaint, never
            # contacted (no consent, no address to write to), flagged when the CFPB says so.
            customer=NewCustomer(
                customer_no=customer_no,
                preferred_language="en",
                preferred_channel=str(ContactChannel.POST),
                has_contact_consent=False,
                vulnerabilities=[str(Vulnerability.ELDERLY)] if "older american" in folded else [],
            ),
            warnings=warnings,
            case={
                "type": CaseType.COMPLAINT,
                "channel": channel,
                "description": "\n".join(lines),
                "received_at": received,
                "subject": issue or product_name,
                "product": product,
                "category": category,
                "policy": CFPB_POLICY,
                "department": self.department,
                "external_source": self.source,
                "external_reference": complaint_id,
                "closed_at": self.now if closed else None,
                "close_note": self.text["closed"] % {"response": response} if closed else "",
                "notes": [self.text["servicemember"]] if "servicemember" in folded else [],
                "data": {
                    "cfpb": {
                        "company_response": response,
                        "timely_response": timely,
                        "consumer_disputed": disputed,
                        "submitted_via": via,
                        "date_sent_to_company": sent,
                        "tags": tags,
                    }
                },
            },
        )

    def _received(self, value: Any) -> datetime:
        """Midnight of the CFPB's date of receipt (remembered: a file has a few hundred dates)."""
        key = value if isinstance(value, str) else text(value) if not isinstance(value, date) else value
        found = self.dates.get(key)
        if found is None:
            try:
                received = datetime.combine(parse_date(value), dtime(), tzinfo=self.zone)
            except ValueError:
                found = RowError(
                    "Date received",
                    _("“%(value)s” is not a date (YYYY-MM-DD or MM/DD/YYYY).") % {"value": text(value)[:60]},
                )
            else:
                future = received > self.now
                found = RowError("Date received", self.text["future"]) if future else received
            if len(self.dates) < 100_000:
                self.dates[key] = found
        if isinstance(found, RowError):
            raise found
        return found

    def _taxonomy(
        self, product_name: str, sub_product: str, issue: str, sub_issue: str
    ) -> tuple[Product | None, Category | None]:
        key = (product_name, sub_product, issue, sub_issue)
        found = self.taxonomy.get(key)
        if found is None:
            code = CFPB_SUB_PRODUCTS.get(sub_product.casefold()) or CFPB_PRODUCTS.get(product_name.casefold())
            product = self.lookups.products.get(code) if code else None
            found = (product, self._category(product_name, issue, sub_issue, product))
            if len(self.taxonomy) < 100_000:
                self.taxonomy[key] = found
        return found

    def _category(self, product_name: str, issue: str, sub_issue: str, product: Product | None) -> Category | None:
        found = None
        if product_name.casefold() == "debt collection":
            found = "debt-collection"
        for value in (issue, sub_issue):
            if found or not value:
                continue
            found = next((code for pattern, code in CFPB_CATEGORIES if pattern.search(value)), None)
        category = self.lookups.categories.get(found) if found else None
        if (
            category is not None
            and category.product_id is not None
            and (product is None or category.product_id != product.pk)
        ):
            return None  # e.g. loan-processing under a card product: leave it to the handler
        return category

    def find_customers(self, batch: Sequence[Prepared]) -> dict[tuple[str, ...], Customer]:
        """Profiles a previous import left (the row's case was not imported then)."""
        numbers = [p.customer_key[0] for p in batch]
        return {(c.customer_no,): c for c in Customer.objects.filter(customer_no__in=numbers)}


SAFEGUARD_COLUMNS = [
    "external_reference",
    "type",
    "channel",
    "received_at",
    "customer_name",
    "customer_phone",
    "customer_email",
    "product",
    "category",
    "subject",
    "description",
    "desired_outcome",
    "department",
    "severity",
    "policy",
]


class SafeguardFormat:
    name = "safeguard"
    id_column = "external_reference"
    required = ("external_reference", "type", "channel", "received_at", "customer_name", "description")

    def __init__(self, lookups: Lookups, *, source: str, department: Department | None, now: datetime) -> None:
        self.lookups = lookups
        self.source = source or DEFAULT_SOURCE
        self.department = department
        self.now = now
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.columns = {c: c for c in SAFEGUARD_COLUMNS}

    def column(self, field: str) -> str:
        return {"name": "customer_name", "phone": "customer_phone", "email": "customer_email"}.get(field, field)

    def external_id(self, record: Mapping[str, Any]) -> str:
        return text(record.get("external_reference"))

    def prepare(self, row: int, record: Mapping[str, Any]) -> Prepared:
        get = lambda key: text(record.get(key))  # noqa: E731
        reference = get("external_reference")
        if not reference:
            raise RowError("external_reference", _("The external reference is missing."))
        if len(reference) > 120:
            raise RowError("external_reference", _("The external reference must be at most 120 characters."))
        case_type, channel, severity = get("type").casefold(), get("channel").casefold(), get("severity").casefold()
        for column, value, allowed in (
            ("type", case_type, CaseType.values),
            ("channel", channel, Channel.values),
            ("severity", severity or Severity.MEDIUM, Severity.values),
        ):
            if value not in allowed:
                raise RowError(
                    column,
                    _("“%(value)s” is not a valid %(field)s; choose one of: %(choices)s.")
                    % {"value": value, "field": column, "choices": ", ".join(allowed)},
                )
        raw_received = record.get("received_at")
        try:
            received = parse_moment(raw_received, self.zone)
        except ValueError:
            raise RowError(
                "received_at",
                _("“%(value)s” is not a date and time (ISO 8601, e.g. 2026-03-02T10:00:00+08:00).")
                % {"value": text(raw_received)[:60]},
            ) from None
        if received > self.now:
            raise RowError("received_at", _("The time of receipt cannot be in the future."))
        if not get("description"):
            raise RowError("description", _("The description is missing."))
        product = self._code("product", get("product"), self.lookups.products)
        category = self._code("category", get("category"), self.lookups.categories)
        department = self._code("department", get("department"), self.lookups.departments) or self.department
        contact = self._contact(get("customer_name"), get("customer_phone"), get("customer_email"))
        name, phone, email = contact

        key = (name, crypto.blind_index(phone, field="phone"), crypto.blind_index(email, field="email"))
        return Prepared(
            row=row,
            external_id=reference,
            customer_key=key,
            # Like customers.services.contact_customer: a provisional number for staff to link later.
            customer=NewCustomer(customer_no=f"C-{secrets.token_hex(6).upper()}", name=name, phone=phone, email=email),
            case={
                "type": case_type,
                "channel": channel,
                "severity": severity or Severity.MEDIUM,
                "description": get("description"),
                "received_at": received,
                "subject": get("subject"),
                "desired_outcome": get("desired_outcome"),
                "product": product,
                "category": category,
                "policy": get("policy") or None,
                "department": department,
                "external_source": self.source,
                "external_reference": reference,
            },
        )

    @staticmethod
    def _code(column: str, code: str, known: Mapping[str, Any]) -> Any:
        if not code:
            return None
        found = known.get(code)
        if found is None:
            raise RowError(column, _("There is no active %(field)s “%(code)s”.") % {"field": column, "code": code})
        return found

    def _contact(self, name: str, phone: str, email: str) -> tuple[str, str, str]:
        cleaned: list[str] = []
        for field_name, value in (("name", name), ("phone", phone), ("email", email)):
            try:
                cleaned.append(str(clean_pii(field_name, value)) if value else "")
            except InvalidInput as exc:
                raise RowError(self.column(field_name), exc.detail) from None
        if not cleaned[0]:
            raise RowError("customer_name", _("The customer's name is missing."))
        if not cleaned[1] and not cleaned[2]:
            raise RowError("customer_phone", _("Give the customer's phone number or e-mail address."))
        return cleaned[0], cleaned[1], cleaned[2]

    def find_customers(self, batch: Sequence[Prepared]) -> dict[tuple[str, ...], Customer]:
        """Existing profiles whose phone or e-mail *and* name match (as ``contact_customer``)."""
        phones = {p.customer_key[1] for p in batch if p.customer_key[1]}
        emails = {p.customer_key[2] for p in batch if p.customer_key[2]}
        if not phones and not emails:
            return {}
        candidates = Customer.objects.filter(Q(phone_index__in=phones) | Q(email_index__in=emails)).order_by("id")
        by_contact: dict[tuple[str, str], Customer] = {}
        for candidate in candidates.only("id", "customer_no", "name_enc", "phone_index", "email_index"):
            if not candidate.name_enc:
                continue
            name = str(clean_pii("name", crypto.decrypt(candidate.name_enc, field="name")))
            for kind, index in (("phone", candidate.phone_index), ("email", candidate.email_index)):
                if index:
                    by_contact.setdefault((f"{kind}:{index}", name), candidate)
        found: dict[tuple[str, ...], Customer] = {}
        for prepared in batch:
            name, phone, email = prepared.customer_key
            match = by_contact.get((f"phone:{phone}", name)) if phone else None
            match = match or (by_contact.get((f"email:{email}", name)) if email else None)
            if match is not None:
                found[prepared.customer_key] = match
        return found


Format = CfpbFormat | SafeguardFormat


# --- the import -----------------------------------------------------------------------------


def detect_format(columns: set[str]) -> str:
    return "cfpb" if "complaint_id" in columns else "safeguard"


class Importer:
    """Reads a file and imports it batch by batch; ``on_problem`` receives each report line."""

    def __init__(
        self,
        *,
        format: str | None = None,
        by: User | None = None,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        source: str = "",
        department: Department | None = None,
        on_problem: Callable[[Problem], None] = lambda problem: None,
        progress: Callable[[int], None] = lambda rows: None,
    ) -> None:
        if format is not None and format not in FORMATS:
            raise ImportFileError(_("Unknown format “%(format)s”.") % {"format": format})
        if batch_size < 1:
            raise ImportFileError(_("The batch size must be at least 1."))
        if by is not None:
            ensure_can(by, "cases.add_case")  # before reading a row, not at the first batch
        self.format_name = format
        self.by = by
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.source = source
        self.department = department
        self.on_problem = on_problem
        self.progress = progress
        self.summary = Summary(dry_run=dry_run)
        self._seen: dict[str, int] = {}

    def run(self, table: Table, *, name: str = "") -> Summary:
        started = time.perf_counter()
        keys = [CFPB_ALIASES.get(column_key(h), column_key(h)) for h in table.header]
        present = set(keys)
        fmt = self._format(self.format_name or detect_format(present))
        missing = [fmt.columns.get(k, k) for k in fmt.required if k not in present]
        if missing:
            raise ImportFileError(
                _("The file lacks the column(s) %(columns)s of the %(format)s format.")
                % {"columns": ", ".join(missing), "format": fmt.name}
            )
        self.fmt = fmt
        self.label = f"{fmt.source}:{name}" if name else fmt.source
        if connection.vendor == "sqlite":
            # SQLite's page cache is 2 MB by default; the case table's dozen indexes need more once
            # the file grows, or every insert rereads index pages. For this connection only.
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
        batch: list[Prepared] = []
        pending = 0
        for number, values in table.rows:
            self.summary.read += 1
            record = dict(zip(keys, values, strict=False))
            try:
                prepared = fmt.prepare(number, record)
            except RowError as exc:
                self._problem(number, fmt.external_id(record), ERROR, exc.column, exc.message)
                self.summary.errors += 1
            else:
                for column, message in prepared.warnings:
                    self._problem(number, prepared.external_id, WARNING, column, message)
                batch.append(prepared)
            pending += 1
            if len(batch) >= self.batch_size:
                self._write(batch)
                batch = []
            if pending >= 100:
                self.progress(pending)
                pending = 0
        if batch:
            self._write(batch)
        self.progress(pending)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _format(self, name: str) -> Format:
        lookups = Lookups()
        now = timezone.now()
        if name == "cfpb":
            return CfpbFormat(lookups, source=self.source, department=self.department, now=now)
        return SafeguardFormat(lookups, source=self.source, department=self.department, now=now)

    def _problem(self, row: int, external_id: str, level: str, column: str, message: str) -> None:
        if level == WARNING:
            self.summary.warnings += 1
        self.on_problem(Problem(row=row, external_id=external_id, level=level, column=column, message=message))

    # --- one batch ------------------------------------------------------------------------

    def _write(self, batch: list[Prepared]) -> None:
        fresh = self._skip_present(batch)
        if not fresh:
            return
        existing = self.fmt.find_customers(fresh)
        shared: dict[tuple[str, ...], NewCustomer] = {}
        rows: list[NewCase] = []
        for prepared in fresh:
            customer: Customer | NewCustomer | None = existing.get(prepared.customer_key)
            customer = customer or shared.get(prepared.customer_key)
            if customer is None:
                customer = shared[prepared.customer_key] = prepared.customer
            rows.append(NewCase(customer=customer, **prepared.case))
        new_customers = list(shared.values())
        self.summary.batches += 1
        try:
            with transaction.atomic():
                cases = open_cases_bulk(by=self.by, rows=rows, source=self.label)
                if self.dry_run:
                    transaction.set_rollback(True)
        except PermissionDenied:
            raise
        except (DomainError, DatabaseError):
            self._row_by_row(fresh, rows)
            return
        finally:
            if self.dry_run:
                _forget(new_customers)
        self._count(cases, new_customers)

    def _skip_present(self, batch: list[Prepared]) -> list[Prepared]:
        """Rows whose external id is a case already, or came earlier in this file, are skipped."""
        ids = [p.external_id for p in batch]
        taken = set(
            _imported(self.fmt.source).filter(external_reference__in=ids).values_list("external_reference", flat=True)
        )
        fresh: list[Prepared] = []
        for prepared in batch:
            earlier = self._seen.get(prepared.external_id)
            if earlier is not None:  # checked first: a dry run says the same as a real run
                self.summary.present += 1
                self._problem(
                    prepared.row,
                    prepared.external_id,
                    WARNING,
                    self.fmt.id_column,
                    _("The same id was in row %(row)d: imported once.") % {"row": earlier},
                )
            elif prepared.external_id in taken:
                self.summary.present += 1
            else:
                self._seen[prepared.external_id] = prepared.row
                fresh.append(prepared)
        return fresh

    def _row_by_row(self, batch: list[Prepared], rows: list[NewCase]) -> None:
        """The batch was refused: write each row on its own so only the bad ones are reported."""
        for prepared, row in zip(batch, rows, strict=True):
            new = [row.customer] if isinstance(row.customer, NewCustomer) and row.customer.pk is None else []
            try:
                with transaction.atomic():
                    cases = open_cases_bulk(by=self.by, rows=[row], source=self.label)
                    if self.dry_run:
                        transaction.set_rollback(True)
            except PermissionDenied:
                raise
            except IntegrityError as exc:
                if _imported(self.fmt.source).filter(external_reference=prepared.external_id).exists():
                    self.summary.present += 1  # another import got there first
                else:
                    self._error(prepared, "", str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
                continue
            except DomainError as exc:
                self._error(prepared, self.fmt.column(str(exc.extra.get("field", ""))), exc.detail)
                continue
            except DatabaseError as exc:
                self._error(prepared, "", str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
                continue
            finally:
                if self.dry_run:
                    _forget(new)
            self._count(cases, new)

    def _error(self, prepared: Prepared, column: str, message: str) -> None:
        self.summary.errors += 1
        self._problem(prepared.row, prepared.external_id, ERROR, column, message)

    def _count(self, cases: list[Opened], new_customers: list[NewCustomer]) -> None:
        self.summary.created += len(cases)
        self.summary.closed += sum(1 for c in cases if c.status == Status.CLOSED)
        self.summary.customers_created += len(new_customers)


def _imported(source: str) -> QuerySet[Case]:
    """Cases from ``source``. The ``exclude`` repeats the condition of the partial unique index on
    (external_source, external_reference): without it SQLite does not use the index and scans."""
    return Case.objects.filter(external_source=source).exclude(external_source="")


def _forget(customers: list[NewCustomer]) -> None:
    """After a dry run's rollback the new customers are unsaved again."""
    for customer in customers:
        customer.pk = None


def import_file(path: Path, **options: Any) -> Summary:
    """Import one file with ``Importer(**options)``; raises ``ImportFileError`` before writing
    anything when the file or its columns cannot be read."""
    table = open_table(path)
    try:
        return Importer(**options).run(table, name=path.name)
    finally:
        table.close()
