"""The link's token names one invitation; a changed character makes it invalid."""

from __future__ import annotations

import pytest
from django.core import signing

from safeguard.surveys import selectors, tokens
from safeguard.surveys.models import SurveyInvitation

pytestmark = pytest.mark.django_db


def test_a_token_reads_back_as_its_invitation(invitation):
    token = tokens.make(invitation)
    assert tokens.read(token) == tokens.TokenRef(invitation.pk, invitation.nonce)
    assert selectors.invitation_for_token(token) == invitation
    assert invitation.nonce not in tokens.path(invitation)  # the nonce travels signed and encoded only


def test_a_tampered_token_is_invalid(invitation):
    token = tokens.make(invitation)
    payload, _sep, signature = token.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert tokens.read(f"{payload}:{flipped}") is None
    assert tokens.read(token[1:]) is None
    assert tokens.read(token + "x") is None
    assert selectors.invitation_for_token(f"{payload}:{flipped}") is None


def test_a_token_signed_for_another_invitation_or_purpose_is_invalid(invitation):
    # Our key and salt, but another id: only the nonce stored on that row would match.
    forged = signing.Signer(salt=tokens.SALT).sign_object({"i": invitation.pk, "n": "guessed"})
    assert selectors.invitation_for_token(forged) is None
    # A value signed with another salt (e.g. the old letter links) is not a survey token.
    other_salt = signing.Signer(salt="safeguard.surveys").sign_object({"i": invitation.pk, "n": invitation.nonce})
    assert tokens.read(other_salt) is None


@pytest.mark.parametrize("junk", ["", "x", "abc:def", "::", "eyJpIjoxfQ:", "%00", "a" * 500])
def test_junk_is_not_a_token(junk):
    assert tokens.read(junk) is None


def test_a_skipped_invitation_has_no_valid_link(invitation):
    SurveyInvitation.objects.filter(pk=invitation.pk).update(status=SurveyInvitation.Status.SKIPPED)
    assert selectors.invitation_for_token(tokens.make(invitation)) is None


def test_malformed_signed_values_are_not_tokens():
    signer = signing.Signer(salt=tokens.SALT)
    for value in [[1, "n"], {"i": "1", "n": "x"}, {"i": 0, "n": "x"}, {"i": True, "n": "x"}, {"i": 5, "n": ""}]:
        assert tokens.read(signer.sign_object(value)) is None
