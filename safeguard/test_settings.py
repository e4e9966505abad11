"""Settings for the test suite: fixed keys, fast hashing, tasks run inline."""

import os

os.environ.setdefault("SAFEGUARD_ENV", "test")
os.environ.setdefault("SAFEGUARD_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
# Two keys so rotation is exercised: "t2" is active, "t1" still decrypts old values.
os.environ.setdefault(
    "SAFEGUARD_FIELD_KEYS",
    "t2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=,t1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
)
os.environ.setdefault("SAFEGUARD_INDEX_KEY", "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=")
os.environ.setdefault("SAFEGUARD_VAR_DIR", "/tmp/safeguard-test-var")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from safeguard.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
LANGUAGE_CODE = "en"
SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.LocmemBackend"
# Figures computed live, so a test's numbers are its own cases' (the cache's tests turn it on).
SAFEGUARD_QUALITY_CACHE_SECONDS = 0
# Triage runs only in the tests that ask for it (it would reclassify every other test's cases).
SAFEGUARD_TRIAGE_AUTO = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Transactional tests are cleaned up with TRUNCATE; the audit log's append-only
    # trigger allows that only to sessions that opt in (audit migration 0004).
    # Commits need not wait for the disk in a throw-away test database.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c safeguard.allow_audit_truncate=on -c synchronous_commit=off"
    )
