"""Reading Safeguard's configuration from the environment.

Kept apart from ``settings.py`` so the rules (what production refuses, how demo
keys are made) are plain functions that tests can call with any environment.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEMO_SECRET_PREFIX = "demo-insecure-"  # noqa: S105 (marks demo keys so production refuses them)
ENVIRONMENTS = ("demo", "test", "production")


class ConfigError(Exception):
    """The environment does not describe a configuration Safeguard may start with."""


@dataclass(frozen=True)
class FieldKeys:
    """PII encryption keys by id; ``active`` is the id new values are written with."""

    keys: dict[str, bytes]
    active: str
    index_key: bytes


def parse_field_keys(spec: str) -> tuple[dict[str, bytes], str]:
    """Parse ``"kid:base64key,kid2:base64key"``; the first key is the active one.

    Keys are 32 bytes (AES-256-GCM), base64 (standard or url-safe) encoded.
    """
    keys: dict[str, bytes] = {}
    active = ""
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        kid = kid.strip()
        if not sep or not kid or not kid.isascii() or not kid.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"SAFEGUARD_FIELD_KEYS: malformed entry {kid!r}; expected KEY_ID:BASE64")
        try:
            raw = base64.urlsafe_b64decode(encoded.strip().replace("+", "-").replace("/", "_"))
        except ValueError as exc:
            raise ConfigError(f"SAFEGUARD_FIELD_KEYS: key {kid!r} is not base64") from exc
        if len(raw) != 32:
            raise ConfigError(f"SAFEGUARD_FIELD_KEYS: key {kid!r} must be 32 bytes, got {len(raw)}")
        if kid in keys:
            raise ConfigError(f"SAFEGUARD_FIELD_KEYS: key id {kid!r} appears twice")
        keys[kid] = raw
        active = active or kid
    if not keys:
        raise ConfigError("SAFEGUARD_FIELD_KEYS is empty")
    return keys, active


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def demo_secrets(var_dir: Path) -> dict[str, str]:
    """Load, or create once, the local keys a demo install runs with."""
    path = var_dir / "demo-keys.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        return data
    var_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "secret_key": DEMO_SECRET_PREFIX + secrets.token_urlsafe(40),
        "field_keys": "demo1:" + _b64(secrets.token_bytes(32)),
        "index_key": _b64(secrets.token_bytes(32)),
    }
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)
    print(
        f"Safeguard demo mode: generated local secret and PII keys in {path}. "
        "Set SAFEGUARD_ENV=production with your own keys for real data.",
        file=sys.stderr,
    )
    return data


@dataclass(frozen=True)
class Config:
    env: str
    debug: bool
    secret_key: str
    field_keys: FieldKeys
    time_zone: str
    language: str
    database_url: str
    var_dir: Path


def load(environ: Mapping[str, str], base_dir: Path) -> Config:
    """Build the configuration; refuse unsafe production settings loudly."""
    env = environ.get("SAFEGUARD_ENV", "demo").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SAFEGUARD_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    var_dir = Path(environ.get("SAFEGUARD_VAR_DIR", str(base_dir / "var")))
    production = env == "production"
    debug = environ.get("SAFEGUARD_DEBUG", "0" if production else "1").strip().lower() in {"1", "true", "yes", "on"}

    secret_key = environ.get("SAFEGUARD_SECRET_KEY", "")
    field_spec = environ.get("SAFEGUARD_FIELD_KEYS", "")
    index_key = environ.get("SAFEGUARD_INDEX_KEY", "")

    if production:
        problems = []
        if debug:
            problems.append("DEBUG is on (unset SAFEGUARD_DEBUG)")
        if not secret_key or secret_key.startswith(DEMO_SECRET_PREFIX) or len(secret_key) < 32:
            problems.append("SAFEGUARD_SECRET_KEY is missing, a demo key, or shorter than 32 characters")
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
    try:
        index_raw = base64.urlsafe_b64decode(index_key.replace("+", "-").replace("/", "_"))
    except ValueError as exc:
        raise ConfigError("SAFEGUARD_INDEX_KEY is not base64") from exc
    if len(index_raw) < 32:
        raise ConfigError("SAFEGUARD_INDEX_KEY must be at least 32 bytes")

    language = environ.get("SAFEGUARD_LANGUAGE", "en").strip().lower().replace("_", "-")
    if language not in {"en", "zh-hans"}:
        raise ConfigError(f"SAFEGUARD_LANGUAGE must be 'en' or 'zh-hans', not {language!r}")

    return Config(
        env=env,
        debug=debug,
        secret_key=secret_key,
        field_keys=FieldKeys(keys=keys, active=active, index_key=index_raw),
        time_zone=environ.get("SAFEGUARD_TIME_ZONE", "Asia/Shanghai"),
        language=language,
        database_url=environ.get("DATABASE_URL", f"sqlite:///{var_dir / 'safeguard.sqlite3'}"),
        var_dir=var_dir,
    )
