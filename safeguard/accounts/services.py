"""Writes on staff accounts: the second factor (TOTP and backup codes).

API tokens have their own module (``tokens.py``). Every change leaves an audit entry
in the same transaction; plaintext secrets (TOTP keys, backup codes) never reach it.
"""

from __future__ import annotations

import time
from binascii import Error as BinasciiError
from binascii import unhexlify

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from safeguard.accounts.errors import MfaAlreadyEnrolled, MfaCodeInvalid, MfaNotEnrolled
from safeguard.accounts.models import User
from safeguard.audit import services as audit

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
# Accept the code of the previous and next 30-second step too: phones' clocks drift.
_TOLERANCE = 1


def new_totp_key() -> str:
    """A fresh random TOTP secret, hex-encoded (20 bytes, as RFC 6238 recommends for SHA-1)."""
    key: str = default_key()
    return key


def totp_step(key: str, token: str, *, at: float | None = None) -> int | None:
    """The time step ``token`` is valid for under ``key`` at ``at`` (default now), or None."""
    cleaned = token.strip().replace(" ", "")
    if not (cleaned.isascii() and cleaned.isdigit() and len(cleaned) == 6):
        return None
    try:
        totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6, drift=0)
    except (BinasciiError, ValueError):
        return None
    totp.time = time.time() if at is None else at
    if not totp.verify(int(cleaned), tolerance=_TOLERANCE):
        return None
    step: int = totp.t()
    return step


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _replace_backup_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def enrol_totp(*, user: User, key: str, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm an authenticator app that shows ``token`` for ``key``; returns the device and new backup codes.

    The key lives only in the enrolling session until the user proves their app has it.
    """
    step = totp_step(key, token)
    if step is None:
        raise MfaCodeInvalid(_("That code is not right. Check the time on your phone and try the current code."))
    if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
        raise MfaAlreadyEnrolled(_("Two-factor authentication is already set up for this account."))
    # last_t: the code just used may not be used again to sign in.
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=step)
    codes = _replace_backup_codes(user)
    audit.log(user, "mfa.enrol", user, changes={"device": "totp", "backup_codes": len(codes)})
    return device, codes


def verify_second_factor(*, user: User, token: str) -> Device | None:
    """The device that accepts ``token`` (authenticator first, then a backup code), or None.

    django-otp throttles each device after failures; the failure count must be saved,
    so this never raises inside its transaction. A used backup code is consumed.
    """
    token = token.strip().replace(" ", "").lower()
    if not token or len(token) > 16:
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                return device
        for backup in StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update():
            if backup.verify_token(token):
                audit.log(user, "mfa.backup_code_use", user, changes={"backup_codes_left": backup.token_set.count()})
                return backup
    return None


@transaction.atomic
def regenerate_backup_codes(*, user: User) -> list[str]:
    """Replace the backup codes (all old ones stop working); only for a user with an authenticator."""
    if not has_totp(user):
        raise MfaNotEnrolled(_("Set up an authenticator app first."))
    codes = _replace_backup_codes(user)
    audit.log(user, "mfa.backup_codes_regenerate", user, changes={"backup_codes": len(codes)})
    return codes


@transaction.atomic
def reset_mfa(*, user: User, by: User) -> None:
    """Remove every second factor of ``user``: they enrol again at their next sign-in where MFA is required."""
    totp = TOTPDevice.objects.filter(user=user).delete()[0]
    static = StaticDevice.objects.filter(user=user).delete()[0]
    if not (totp or static):
        raise MfaNotEnrolled(_("Two-factor authentication is not set up for this account."))
    audit.log(by, "mfa.reset", user, changes={"user": user.get_username()})
