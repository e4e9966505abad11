"""safeguard.config.load: what production refuses, how keys are read, how demo keys are made."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from safeguard import config
from safeguard.config import ConfigError, FieldKeys, load

ROOT = Path(__file__).resolve().parents[3]
KEY_A = base64.b64encode(b"\x01" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"\xfb" * 32).decode()  # has "-" / "_" in URL-safe form
INDEX = base64.b64encode(b"\x09" * 32).decode()
GOOD_SECRET = "k9#Vq2!mZ7@xL4$wR8%tN1^pB6&cF3*hJ5(dS0)gY-uE+oA=iT"


def _production(**overrides: str) -> dict[str, str]:
    env = {
        "SAFEGUARD_ENV": "production",
        "SAFEGUARD_SECRET_KEY": GOOD_SECRET,
        "SAFEGUARD_FIELD_KEYS": f"k2:{KEY_B},k1:{KEY_A}",
        "SAFEGUARD_INDEX_KEY": INDEX,
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_a_complete_production_environment_loads(tmp_path):
    cfg = load(_production(SAFEGUARD_VAR_DIR=str(tmp_path)), tmp_path)
    assert cfg.env == "production" and cfg.debug is False
    assert cfg.field_keys.active == "k2"
    assert cfg.field_keys.keys == {"k2": b"\xfb" * 32, "k1": b"\x01" * 32}
    assert cfg.field_keys.index_key == b"\x09" * 32
    assert cfg.language == "en" and cfg.time_zone == "Asia/Shanghai"
    assert cfg.database_url == f"sqlite:///{tmp_path / 'safeguard.sqlite3'}"


def test_secrets_stay_out_of_the_configuration_repr(tmp_path):
    cfg = load(_production(), tmp_path)
    text = repr(cfg)
    assert GOOD_SECRET not in text and repr(b"\x01" * 32) not in text and "k2" in text


@pytest.mark.parametrize("value", ["1", "true", "on", "YES"])
def test_production_refuses_debug(tmp_path, value):
    with pytest.raises(ConfigError, match="Refusing to start in production: DEBUG is on"):
        load(_production(SAFEGUARD_DEBUG=value), tmp_path)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "SAFEGUARD_SECRET_KEY is missing"),
        (config.DEMO_SECRET_PREFIX + "x" * 60, "demo, test or placeholder"),
        ("django-insecure-" + GOOD_SECRET, "demo, test or placeholder"),
        ("test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstu", "demo, test or placeholder"),
        ("CHANGEME" + GOOD_SECRET, "demo, test or placeholder"),
        (GOOD_SECRET[:49], "too short"),
        ("ab" * 40, "too simple"),
    ],
)
def test_production_refuses_a_missing_demo_default_or_short_secret(tmp_path, secret, message):
    with pytest.raises(ConfigError, match=message):
        load(_production(SAFEGUARD_SECRET_KEY=secret), tmp_path)


def test_production_refuses_missing_field_keys(tmp_path):
    env = _production()
    del env["SAFEGUARD_FIELD_KEYS"]
    with pytest.raises(ConfigError, match="SAFEGUARD_FIELD_KEYS is missing"):
        load(env, tmp_path)


def test_production_refuses_a_missing_index_key(tmp_path):
    with pytest.raises(ConfigError, match="SAFEGUARD_INDEX_KEY is missing"):
        load(_production(SAFEGUARD_INDEX_KEY=""), tmp_path)


def test_production_names_every_problem_at_once_and_never_makes_demo_keys(tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        load({"SAFEGUARD_ENV": "production", "SAFEGUARD_DEBUG": "1", "SAFEGUARD_VAR_DIR": str(tmp_path)}, tmp_path)
    message = str(excinfo.value)
    for part in ("DEBUG is on", "SAFEGUARD_SECRET_KEY is missing", "SAFEGUARD_FIELD_KEYS", "SAFEGUARD_INDEX_KEY"):
        assert part in message
    assert not (tmp_path / config.DEMO_KEYS_FILE).exists()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (f"k1{KEY_A}", "malformed entry"),
        (f":{KEY_A}", "malformed entry"),
        ("k1:", "malformed entry"),
        (f"k.1:{KEY_A}", "malformed entry 'k.1'"),
        (f"{'k' * 33}:{KEY_A}", "malformed entry"),
        ("k1:not*base64!", "key 'k1' is not valid base64"),
        ("k1:AAAA=AAA", "key 'k1' is not valid base64"),
        (f"k1:{base64.b64encode(b'x' * 16).decode()}", "key 'k1' must be 32 bytes, got 16"),
        (f"k1:{base64.b64encode(b'x' * 33).decode()}", "must be 32 bytes, got 33"),
        (f"k1:{KEY_A},k1:{KEY_B}", "key id 'k1' appears twice"),
        (" , ", "SAFEGUARD_FIELD_KEYS is empty"),
    ],
)
def test_malformed_field_keys_are_refused(tmp_path, spec, message):
    with pytest.raises(ConfigError, match=message):
        load(_production(SAFEGUARD_FIELD_KEYS=spec), tmp_path)


def test_field_keys_accept_url_safe_base64_without_padding_and_spaces(tmp_path):
    spec = f" new : {KEY_B.rstrip('=')} , old:{KEY_A} "
    keys, active = config.parse_field_keys(spec)
    assert active == "new" and keys == {"new": b"\xfb" * 32, "old": b"\x01" * 32}


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("***", "SAFEGUARD_INDEX_KEY is not valid base64"),
        (base64.b64encode(b"x" * 16).decode(), "at least 32 bytes, got 16"),
        (KEY_A, "must differ from every key"),
    ],
)
def test_a_bad_index_key_is_refused(tmp_path, index, message):
    with pytest.raises(ConfigError, match=message):
        load(_production(SAFEGUARD_INDEX_KEY=index), tmp_path)


def test_field_keys_refuse_an_active_key_they_do_not_hold():
    with pytest.raises(ConfigError, match="active field key 'x'"):
        FieldKeys(keys={"a": b"\x01" * 32}, active="x", index_key=b"\x09" * 32)


def test_demo_mode_generates_keys_once_and_reuses_them(tmp_path, capsys):
    env = {"SAFEGUARD_VAR_DIR": str(tmp_path / "var")}
    first = load(env, tmp_path)
    err = capsys.readouterr().err
    assert "generated" in err and str(tmp_path / "var" / config.DEMO_KEYS_FILE) in err
    path = tmp_path / "var" / config.DEMO_KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # the temporary file is gone

    second = load(env, tmp_path)
    err = capsys.readouterr().err
    assert "using the local keys" in err and "generated" not in err
    assert (first.env, first.debug) == ("demo", True)
    assert second.secret_key == first.secret_key
    assert second.field_keys == first.field_keys
    assert first.secret_key.startswith(config.DEMO_SECRET_PREFIX)


def test_demo_mode_keeps_keys_given_in_the_environment(tmp_path, capsys):
    env = {"SAFEGUARD_VAR_DIR": str(tmp_path), "SAFEGUARD_FIELD_KEYS": f"mine:{KEY_A}"}
    cfg = load(env, tmp_path)
    assert cfg.field_keys.keys == {"mine": b"\x01" * 32}
    assert cfg.field_keys.index_key != b"\x09" * 32  # the generated one


def test_a_corrupt_demo_key_file_is_a_clear_error(tmp_path):
    (tmp_path / config.DEMO_KEYS_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match=r"demo key file .* unreadable or incomplete"):
        load({"SAFEGUARD_VAR_DIR": str(tmp_path)}, tmp_path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "demo"), ("demo", "demo"), ("Test", "test"), (" production ", "production")],
)
def test_safeguard_env_names_the_environment(tmp_path, value, expected):
    env = _production(SAFEGUARD_ENV=value, SAFEGUARD_VAR_DIR=str(tmp_path))
    assert load(env, tmp_path).env == expected


@pytest.mark.parametrize("value", ["prod", "staging", "development"])
def test_an_unknown_safeguard_env_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match=f"SAFEGUARD_ENV must be one of demo, test, production, not '{value}'"):
        load(_production(SAFEGUARD_ENV=value), tmp_path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "en"), ("en", "en"), ("zh-hans", "zh-hans"), ("zh_Hans", "zh-hans"), ("zh-CN", "zh-hans"), ("zh", "zh-hans")],
)
def test_safeguard_language_accepts_english_and_simplified_chinese(tmp_path, value, expected):
    assert load(_production(SAFEGUARD_LANGUAGE=value), tmp_path).language == expected


@pytest.mark.parametrize("value", ["fr", "zh-hant", "english"])
def test_an_unsupported_safeguard_language_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match=f"SAFEGUARD_LANGUAGE must be 'en' or 'zh-hans', not '{value}'"):
        load(_production(SAFEGUARD_LANGUAGE=value), tmp_path)


def test_an_unknown_time_zone_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SAFEGUARD_TIME_ZONE 'Mars/Olympus' is not a known"):
        load(_production(SAFEGUARD_TIME_ZONE="Mars/Olympus"), tmp_path)


def test_a_debug_value_that_is_not_a_boolean_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SAFEGUARD_DEBUG must be"):
        load(_production(SAFEGUARD_DEBUG="maybe"), tmp_path)


def _clean_env(**extra: str) -> dict[str, str]:
    """Only what a process needs to run, none of the test suite's SAFEGUARD_* settings."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT"}}
    return {**keep, **extra}


def test_manage_py_check_refuses_production_without_keys(tmp_path):
    env = _clean_env(
        SAFEGUARD_ENV="production",
        SAFEGUARD_SECRET_KEY=GOOD_SECRET,
        SAFEGUARD_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="safeguard.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert "SAFEGUARD_FIELD_KEYS is missing" in result.stderr
    assert "SAFEGUARD_INDEX_KEY is missing" in result.stderr
    assert not (tmp_path / config.DEMO_KEYS_FILE).exists()
