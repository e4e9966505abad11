"""Reading Safeguard's configuration from the environment.

Kept apart from ``settings.py`` so the rules (what production refuses, how demo
keys are made) are plain functions that tests can call with any environment.
``docs/configuration.md`` lists every variable.

Messages here are English on purpose: they are raised before Django (and its
translation machinery) is configured, and they are read by operators.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import sys
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEMO_SECRET_PREFIX = "demo-insecure-"  # noqa: S105 (marks demo keys so production refuses them)
ENVIRONMENTS = ("demo", "test", "production")
LANGUAGES = ("en", "zh-hans")
# Spellings operators use for Simplified Chinese; all mean "zh-hans".
_LANGUAGE_ALIASES = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-hans-cn": "zh-hans", "zh-sg": "zh-hans"}
# Django's own security check (security.W009) asks for 50 characters and 5 distinct ones.
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT = 5
# Fragments of well-known placeholder keys: Django's startproject key, our demo and
# test keys, and the usual "change me". A production key containing one is refused.
_PLACEHOLDER_SECRET_MARKERS = (DEMO_SECRET_PREFIX, "django-insecure", "not-for-production", "changeme", "change-me")
FIELD_KEY_BYTES = 32  # AES-256-GCM
MIN_INDEX_KEY_BYTES = 32  # HMAC-SHA256
# A key id becomes part of every stored value ("v1.<key id>.<payload>"), so it must
# not contain the separator and should stay short.
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
DEMO_KEYS_FILE = "demo-keys.json"


class ConfigError(Exception):
    """The environment does not describe a configuration Safeguard may start with."""


@dataclass(frozen=True)
class FieldKeys:
    """PII encryption keys by id; ``active`` is the id new values are written with.

    ``index_key`` is the HMAC key of the blind indexes. It is separate from the
    encryption keys so rotating those never changes an index (look-ups keep working).
    Keys are kept out of ``repr`` so a logged settings object does not leak them.
    """

    keys: dict[str, bytes] = field(repr=False)
    active: str
    index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ConfigError(f"the active field key {self.active!r} is not among the keys")
        if any(len(k) != FIELD_KEY_BYTES for k in self.keys.values()):
            raise ConfigError(f"field keys must be {FIELD_KEY_BYTES} bytes")
        if len(self.index_key) < MIN_INDEX_KEY_BYTES:
            raise ConfigError(f"the index key must be at least {MIN_INDEX_KEY_BYTES} bytes")
        if self.index_key in self.keys.values():
            raise ConfigError("the index key must differ from every field key")


def decode_key(text: str, *, what: str) -> bytes:
    """Strictly decode standard or URL-safe base64 (padding optional).

    ``base64.urlsafe_b64decode`` silently drops characters outside the alphabet, so a
    typo would yield a different key; this refuses them instead.
    """
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{what} is not valid base64") from exc


def parse_field_keys(spec: str) -> tuple[dict[str, bytes], str]:
    """Parse ``"kid:base64key,kid2:base64key"``; the first key is the active one.

    Keys are 32 bytes (AES-256-GCM), base64 (standard or url-safe) encoded. Key ids
    are 1-32 letters, digits, ``-`` or ``_`` and appear once.
    """
    keys: dict[str, bytes] = {}
    active = ""
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        kid = kid.strip()
        if not sep or not _KEY_ID.match(kid) or not encoded.strip():
            raise ConfigError(
                f"SAFEGUARD_FIELD_KEYS: malformed entry {kid!r}; expected KEY_ID:BASE64 "
                "with a key id of 1-32 letters, digits, '-' or '_'"
            )
        raw = decode_key(encoded, what=f"SAFEGUARD_FIELD_KEYS: key {kid!r}")
        if len(raw) != FIELD_KEY_BYTES:
            raise ConfigError(f"SAFEGUARD_FIELD_KEYS: key {kid!r} must be {FIELD_KEY_BYTES} bytes, got {len(raw)}")
        if kid in keys:
            raise ConfigError(f"SAFEGUARD_FIELD_KEYS: key id {kid!r} appears twice")
        keys[kid] = raw
        active = active or kid
    if not keys:
        raise ConfigError("SAFEGUARD_FIELD_KEYS is empty")
    return keys, active


def new_key() -> str:
    """A fresh 32-byte key, URL-safe base64: what operators put in the environment."""
    return base64.urlsafe_b64encode(secrets.token_bytes(FIELD_KEY_BYTES)).decode()


def demo_secrets(var_dir: Path) -> dict[str, str]:
    """Load, or create once, the local keys a demo install runs with.

    Two processes starting together (web server and worker) must end up with the
    same keys, so the file is written aside and hard-linked into place: linking
    fails if the other process won, and then its keys are read.
    """
    path = var_dir / DEMO_KEYS_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        data = {
            "secret_key": DEMO_SECRET_PREFIX + secrets.token_urlsafe(48),
            "field_keys": "demo1:" + new_key(),
            "index_key": new_key(),
        }
        tmp = var_dir / f".{DEMO_KEYS_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        else:
            print(
                f"Safeguard demo mode: generated a local secret key and PII keys in {path}. "
                "Keep this file: data encrypted with these keys cannot be read without it. "
                "Set SAFEGUARD_ENV=production with your own keys for real data.",
                file=sys.stderr,
            )
            return data
        finally:
            tmp.unlink()
    try:
        loaded = json.loads(path.read_text())
        result = {name: str(loaded[name]) for name in ("secret_key", "field_keys", "index_key")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the demo key file {path} is unreadable or incomplete ({exc})") from exc
    print(f"Safeguard demo mode: using the local keys in {path}.", file=sys.stderr)
    return result


@dataclass(frozen=True)
class Config:
    env: str
    debug: bool
    secret_key: str = field(repr=False)
    field_keys: FieldKeys
    time_zone: str
    language: str
    database_url: str = field(repr=False)
    var_dir: Path


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}")


def secret_key_problem(secret_key: str) -> str | None:
    """Why a secret key is unfit for production, or None."""
    if not secret_key:
        return "SAFEGUARD_SECRET_KEY is missing"
    lowered = secret_key.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_SECRET_MARKERS):
        return "SAFEGUARD_SECRET_KEY is a demo, test or placeholder key"
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < MIN_SECRET_KEY_DISTINCT:
        return (
            f"SAFEGUARD_SECRET_KEY is too short or too simple (at least {MIN_SECRET_KEY_LENGTH} characters, "
            f"{MIN_SECRET_KEY_DISTINCT} different ones)"
        )
    return None


def _language(environ: Mapping[str, str]) -> str:
    raw = environ.get("SAFEGUARD_LANGUAGE", "").strip() or "en"
    language = raw.lower().replace("_", "-")
    language = _LANGUAGE_ALIASES.get(language, language)
    if language not in LANGUAGES:
        raise ConfigError(f"SAFEGUARD_LANGUAGE must be 'en' or 'zh-hans', not {raw!r}")
    return language


def _time_zone(environ: Mapping[str, str]) -> str:
    name = environ.get("SAFEGUARD_TIME_ZONE", "").strip() or "Asia/Shanghai"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"SAFEGUARD_TIME_ZONE {name!r} is not a known IANA time zone") from exc
    return name


def load(environ: Mapping[str, str], base_dir: Path) -> Config:
    """Build the configuration; refuse unsafe production settings loudly."""
    raw_env = environ.get("SAFEGUARD_ENV", "").strip()
    env = raw_env.lower() or "demo"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SAFEGUARD_ENV must be one of {', '.join(ENVIRONMENTS)}, not {raw_env!r}")
    var_dir = Path(environ.get("SAFEGUARD_VAR_DIR", "").strip() or base_dir / "var")
    production = env == "production"
    debug = _flag(environ, "SAFEGUARD_DEBUG", default=not production)
    language = _language(environ)
    time_zone = _time_zone(environ)

    secret_key = environ.get("SAFEGUARD_SECRET_KEY", "").strip()
    field_spec = environ.get("SAFEGUARD_FIELD_KEYS", "").strip()
    index_key = environ.get("SAFEGUARD_INDEX_KEY", "").strip()

    if production:
        problems = []
        if debug:
            problems.append("DEBUG is on (unset SAFEGUARD_DEBUG or set it to 0)")
        secret_problem = secret_key_problem(secret_key)
        if secret_problem:
            problems.append(secret_problem)
        if not field_spec:
            problems.append("SAFEGUARD_FIELD_KEYS is missing (PII encryption keys)")
        if not index_key:
            problems.append("SAFEGUARD_INDEX_KEY is missing (blind-index key for PII look-ups)")
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))
    elif not (secret_key and field_spec and index_key):
        demo = demo_secrets(var_dir)
        secret_key = secret_key or demo["secret_key"]
        field_spec = field_spec or demo["field_keys"]
        index_key = index_key or demo["index_key"]

    keys, active = parse_field_keys(field_spec)
    index_raw = decode_key(index_key, what="SAFEGUARD_INDEX_KEY")
    if len(index_raw) < MIN_INDEX_KEY_BYTES:
        raise ConfigError(f"SAFEGUARD_INDEX_KEY must be at least {MIN_INDEX_KEY_BYTES} bytes, got {len(index_raw)}")
    if index_raw in keys.values():
        raise ConfigError("SAFEGUARD_INDEX_KEY must differ from every key in SAFEGUARD_FIELD_KEYS")

    return Config(
        env=env,
        debug=debug,
        secret_key=secret_key,
        field_keys=FieldKeys(keys=keys, active=active, index_key=index_raw),
        time_zone=time_zone,
        language=language,
        database_url=environ.get("DATABASE_URL", "").strip() or f"sqlite:///{var_dir / 'safeguard.sqlite3'}",
        var_dir=var_dir,
    )
