"""The regulators' code lists and how the shipped taxonomy counts under them.

* Codes: JR/T 0169-2018 (business channel, business category, complaint cause) and the FCA DISP 1
  Annex 1 return (product groups and products, causes), read from the fixtures
  ``quality/fixtures/jrt0169.json`` and ``disp.json`` (also loadable with ``loaddata``; their
  primary keys are kept so that ``loaddata`` on a migrated database updates the same rows).
* Mappings: the shipped products, categories, root causes (``cases`` migration 0002) and intake
  channels to those codes. Which source feeds which dimension, and in which order, is in
  ``quality.reports.regulatory``; anything unmapped is counted as "other" and listed.

Only what is missing is added, so edited mappings survive a re-run; the reverse removes the shipped
codes (and with them every mapping to them).
"""

import json
from pathlib import Path

from django.core.management.color import no_style
from django.db import migrations

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# (scheme, dimension, code) <- (source, value): source is product / category / root_cause / channel.
MAPPINGS = {
    ("jrt0169", "channel"): {
        "channel": {
            "branch": "0101",
            "portal": "0301",
            "api": "0302",
            "phone": "0303",
            "social": "0304",
            "email": "99",
            # "regulator": a referral says nothing about where the business was done: left unmapped.
        },
    },
    ("jrt0169", "category"): {
        "product": {
            "deposit": "0101",
            "personal-loan": "02",
            "bank-card": "0301",
            "credit-card": "0302",
            "payment": "04",
            "e-banking": "05",
            "fx": "08",
            "wealth": "09",
            "insurance": "1001",
            "other": "99",
        },
        # Used only for cases without a product.
        "category": {
            "personal-information": "06",
            "credit-reporting": "11",
            "insurance-claims": "1001",
            "loan-processing": "02",
        },
    },
    ("jrt0169", "cause"): {
        "category": {
            "account-access": "01",
            "loan-processing": "01",
            "credit-reporting": "01",
            "mis-selling": "02",
            "disclosure": "03",
            "fees-charges": "05",
            "interest-rates": "05",
            "contract-terms": "07",
            "insurance-claims": "07",
            "service-quality": "08",
            "digital-channels": "08",
            "access-waiting": "08",
            "transaction-error": "09",
            "unauthorised-transaction": "09",
            "personal-information": "10",
            "debt-collection": "11",
            "other": "99",
        },
        # Used only for cases without a mapped category.
        "root_cause": {
            "process-design": "01",
            "product-design": "01",
            "system-failure": "01",
            "disclosure": "03",
            "pricing-fees": "05",
            "policy-terms": "07",
            "staff-conduct": "08",
            "process-delay": "08",
            "fraud": "09",
            "third-party": "99",
            "customer-misunderstanding": "99",
            "other": "99",
        },
    },
    ("disp", "product_group"): {
        "product": {
            "credit-card": "BANK-CC",
            "bank-card": "BANK-CA",
            "deposit": "BANK-CA",
            "payment": "BANK-OTH",
            "e-banking": "BANK-OTH",
            "fx": "BANK-OTH",
            "other": "BANK-OTH",
            "personal-loan": "HOME-MORT",
            "insurance": "INS-OTH",
            "wealth": "INV-OTH",
        },
    },
    ("disp", "cause"): {
        "category": {
            "mis-selling": "ASA",
            "disclosure": "ASA",
            "fees-charges": "TERMS",
            "interest-rates": "TERMS",
            "contract-terms": "TERMS",
            "insurance-claims": "TERMS",
            "service-quality": "ADMIN",
            "transaction-error": "ADMIN",
            "unauthorised-transaction": "ADMIN",
            "account-access": "ADMIN",
            "credit-reporting": "ADMIN",
            "personal-information": "ADMIN",
            "digital-channels": "ADMIN",
            "access-waiting": "ADMIN",
            "debt-collection": "ARREARS",
            "loan-processing": "ARREARS",
            "other": "OTHER",
        },
        "root_cause": {
            "disclosure": "ASA",
            "pricing-fees": "TERMS",
            "policy-terms": "TERMS",
            "product-design": "TERMS",
            "staff-conduct": "ADMIN",
            "system-failure": "ADMIN",
            "process-delay": "ADMIN",
            "process-design": "ADMIN",
            "third-party": "OTHER",
            "fraud": "OTHER",
            "customer-misunderstanding": "OTHER",
            "other": "OTHER",
        },
    },
}


def _fixture_rows():
    rows = []
    for name in ("jrt0169", "disp"):
        rows += json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return rows


def _load_codes(RegulatoryCode):
    rows = _fixture_rows()
    by_pk = {row["pk"]: row["fields"] for row in rows}
    created = {}
    explicit = False
    for row in rows:  # parents come before their children in the fixtures
        fields = row["fields"]
        key = (fields["scheme"], fields["dimension"], fields["code"])
        existing = RegulatoryCode.objects.filter(scheme=key[0], dimension=key[1], code=key[2]).first()
        if existing is not None:
            created[key] = existing
            continue
        parent = None
        if fields["parent"] is not None:
            p = by_pk[fields["parent"]]
            parent = created.get((p["scheme"], p["dimension"], p["code"]))
        values = {
            "scheme": fields["scheme"],
            "dimension": fields["dimension"],
            "code": fields["code"],
            "name": fields["name"],
            "name_zh": fields["name_zh"],
            "parent": parent,
        }
        if not RegulatoryCode.objects.filter(pk=row["pk"]).exists():
            values["pk"] = row["pk"]
            explicit = True
        created[key] = RegulatoryCode.objects.create(**values)
    return explicit


def _reset_sequence(schema_editor, model):
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def seed(apps, schema_editor):
    RegulatoryCode = apps.get_model("quality", "RegulatoryCode")
    RegulatoryMapping = apps.get_model("quality", "RegulatoryMapping")
    sources = {
        "product": apps.get_model("cases", "Product"),
        "category": apps.get_model("cases", "Category"),
        "root_cause": apps.get_model("cases", "RootCause"),
    }
    if _load_codes(RegulatoryCode):
        _reset_sequence(schema_editor, RegulatoryCode)
    for (scheme, dimension), by_source in MAPPINGS.items():
        codes = {c.code: c for c in RegulatoryCode.objects.filter(scheme=scheme, dimension=dimension)}
        for source, values in by_source.items():
            for value, code_value in values.items():
                code = codes.get(code_value)
                if code is None:
                    continue
                if source == "channel":
                    target = {"channel": value}
                else:
                    found = sources[source].objects.filter(code=value).first()
                    if found is None:  # an administrator removed it: nothing to map
                        continue
                    target = {source: found}
                already = RegulatoryMapping.objects.filter(
                    code__scheme=scheme, code__dimension=dimension, **target
                ).exists()
                if not already:
                    RegulatoryMapping.objects.create(code=code, **target)


def unseed(apps, schema_editor):
    RegulatoryCode = apps.get_model("quality", "RegulatoryCode")
    shipped = {(r["fields"]["scheme"], r["fields"]["dimension"], r["fields"]["code"]) for r in _fixture_rows()}
    rows = list(
        RegulatoryCode.objects.filter(scheme__in=["jrt0169", "disp"]).values_list(
            "pk", "scheme", "dimension", "code", "parent_id"
        )
    )
    ids = [pk for pk, scheme, dimension, code, _parent in rows if (scheme, dimension, code) in shipped]
    # Children first: a parent is protected by its children.
    RegulatoryCode.objects.filter(pk__in=ids, parent__isnull=False).delete()
    RegulatoryCode.objects.filter(pk__in=ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        # The data needs only 0001; 0002 keeps the quality migrations in one line.
        ("quality", "0002_kpi_catalogue"),
        ("cases", "0002_default_taxonomy"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
