"""Masks show enough to recognise a value and never most of it, also for short or odd values."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from safeguard.core import masking


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+442079460958", "+44****0958"),
        ("01065123456", "010****3456"),
        ("65123456", "65****56"),
        ("123456", "****56"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_phone(value, masked):
    assert masking.mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "1101**********002X"),
        ("E12345678", "E******78"),
        ("A1234567", "A*****67"),
        ("E1234", "****4"),
        ("AB", "**"),
        ("", ""),
    ],
)
def test_national_id(value, masked):
    assert masking.mask_national_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("zhang.wei@example.com", "z****@example.com"),
        ("Nana.Ouyang@Example.com", "N****@Example.com"),
        ("ab@example.com", "****@example.com"),
        ("a@example.com", "****@example.com"),
        ("张伟@例子.中国", "****@例子.中国"),
        ("王小明@例子.中国", "王****@例子.中国"),
        ('"odd@local"@example.com', '"****@example.com'),
        ("no-at-sign", "n*********"),
        ("", ""),
    ],
)
def test_email(value, masked):
    assert masking.mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三丰", "张**"),
        ("张伟", "张*"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),
        ("Alice Smith", "A**** S****"),
        ("  Alice   Smith ", "A**** S****"),
        ("J Smith", "J* S****"),
        ("阿卜杜拉·买买提", "阿*******"),
        ("", ""),
    ],
)
def test_name(value, masked):
    assert masking.mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222020200112233445", "***************3445"),
        ("6222 0202 0011 2233", "************2233"),
        ("12345678", "******78"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_account(value, masked):
    assert masking.mask_account(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("北京市东城区东长安街1号", "北京市东城区****"),
        ("上海市浦东新区陆家嘴环路1000号", "上海市浦东新****"),
        ("221B Baker Street, London", "221B Bak****"),
        ("北京市", "北**"),
        ("Rm 1", "R***"),
        ("ab", "**"),
        ("", ""),
    ],
)
def test_address(value, masked):
    assert masking.mask_address(value) == masked


@pytest.mark.parametrize(
    "mask",
    [masking.mask_phone, masking.mask_national_id, masking.mask_name, masking.mask_account],
)
@given(value=st.text(min_size=1, max_size=40).filter(lambda v: not any(ch.isspace() for ch in v)))
# A star in the value itself is shown but not counted: the phone convention is "at most 7".
@example(value="0000000000*")
def test_a_mask_never_shows_more_than_about_half_a_value(mask, value):
    # Phones show 7 of 11 characters by convention; everything else at most half.
    # (Names of several words show each word's initial: see the table above.)
    v = value
    shown = sum(1 for ch in mask(v) if ch != "*")
    assert shown <= max(len(v) // 2, 1) or (mask is masking.mask_phone and len(v) >= 11 and shown <= 7)
