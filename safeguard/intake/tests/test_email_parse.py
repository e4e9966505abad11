"""Reading raw e-mail (``intake.mailparse``): pure, no database."""

from __future__ import annotations

import base64

import pytest

from safeguard.cases.tests.test_attachments import PDF, png
from safeguard.intake import mailparse as mail
from safeguard.intake.tests.email_support import BODY, CUSTOMER_ADDRESS, INTAKE, SUBJECT, build


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def raw_mail(headers: str, body: bytes = b"hello\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("utf-8", "surrogateescape") + b"\r\n" + body


# --- headers and charsets --------------------------------------------------------------------


def test_a_utf8_chinese_subject_body_and_sender_name_are_read():
    parsed = mail.parse(build())
    assert parsed.subject == SUBJECT
    assert parsed.text == BODY
    assert parsed.sender == CUSTOMER_ADDRESS
    assert parsed.sender_name == "王芳"


def test_a_gb2312_label_on_gbk_text_is_read_as_gb18030():
    # 喆 and 堃 are GBK but not GB2312: a mislabel common in Chinese mail clients.
    subject = f"=?GB2312?B?{b64('投诉：张喆堃的账户', 'gbk')}?="
    body = "卡被盗刷，陈喆。".encode("gbk")
    raw = raw_mail(
        f"From: a@example.com\nSubject: {subject}\nContent-Type: text/plain; charset=gb2312\n"
        "Content-Transfer-Encoding: 8bit\n",
        body,
    )
    parsed = mail.parse(raw)
    assert parsed.subject == "投诉：张喆堃的账户"
    assert parsed.text == "卡被盗刷，陈喆。"


def test_big5_and_quoted_printable_encoded_words_are_read():
    subject = f"=?big5?B?{b64('申訴信用卡', 'big5')}?= =?utf-8?Q?=E5=B9=B4=E8=B4=B9?="
    raw = raw_mail(
        f"From: a@example.com\nSubject: {subject}\nContent-Type: text/plain; charset=big5\n",
        "帳單有誤".encode("big5"),
    )
    parsed = mail.parse(raw)
    assert parsed.subject == "申訴信用卡年费"
    assert parsed.text == "帳單有誤"


def test_raw_8bit_utf8_headers_are_recovered():
    raw = "From: 李雷 <lilei@example.com>\r\nSubject: 退款申请\r\n\r\n请退款\r\n".encode()
    parsed = mail.parse(raw)
    assert parsed.subject == "退款申请"
    assert parsed.sender_name == "李雷"
    assert parsed.text == "请退款"


def test_an_unknown_charset_label_falls_back_without_failing():
    raw = raw_mail(
        "From: a@example.com\nSubject: x\nContent-Type: text/plain; charset=x-no-such-charset\n",
        "还是能读出来".encode(),
    )
    assert mail.parse(raw).text == "还是能读出来"
    assert mail.decode_bytes(b"\xff\xfe\xfa", "utf-8")  # undecodable bytes never raise


def test_message_ids_are_read_with_their_angle_brackets():
    raw = build(
        message_id="<m3@mail.example.com>",
        in_reply_to="<ours-1@bank.example>",
        references="<m1@mail.example.com> <ours-1@bank.example>",
    )
    parsed = mail.parse(raw)
    assert parsed.message_id == "<m3@mail.example.com>"
    assert parsed.in_reply_to == ("<ours-1@bank.example>",)
    assert parsed.thread_ids == ["<ours-1@bank.example>", "<m1@mail.example.com>"]


@pytest.mark.parametrize(
    ("subject", "found"),
    [
        ("Re: 【CMP-2026-000123】信用卡年费", ["CMP-2026-000123"]),
        ("回复：[cmp-2026-000123] 补充材料", ["CMP-2026-000123"]),
        ("关于投诉ＣＭＰ－２０２６－０００１２３的补充", ["CMP-2026-000123"]),
        ("投诉CMP-2026-000123号和INQ-2025-000007", ["CMP-2026-000123", "INQ-2025-000007"]),
        ("Re: XCMP-2026-000123", []),
        ("Re: CMP-2026-12345", []),
        ("no reference at all", []),
    ],
)
def test_case_references_are_found_in_the_subject(subject, found):
    assert mail.references_in(subject) == found


# --- body ------------------------------------------------------------------------------------


def test_plain_text_is_preferred_over_html():
    parsed = mail.parse(build(body="纯文本正文", html="<p>HTML 正文</p>"))
    assert parsed.text == "纯文本正文"
    assert parsed.attachments == ()


def test_html_only_mail_becomes_text_without_tags_scripts_or_styles():
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><p>您好，</p><div>年费扣了两次<br>请退款</div>"
        "<!-- hidden --><ul><li>第一</li><li>第二</li></ul>"
        "<table><tr><td>金额</td><td>300</td></tr></table>"
        "<p>&lt;script&gt; is text here</p><img src=x onerror=alert(1)></body></html>"
    )
    parsed = mail.parse(build(body=None, html=html))
    assert parsed.text == "您好，\n\n年费扣了两次\n请退款\n\n第一\n第二\n\n金额 300\n\n<script> is text here"
    for leftover in ("alert", "color:red", "hidden", "<p>", "<div", "onerror"):
        assert leftover not in parsed.text


def test_an_empty_plain_part_gives_way_to_the_html_one():
    parsed = mail.parse(build(body="  \n", html="<p>真正的内容</p>"))
    assert parsed.text == "真正的内容"


def test_text_split_around_an_inline_attachment_is_kept_whole():
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = "x"
    msg.make_mixed()
    for part_text in ("上半段", None, "下半段"):
        part = EmailMessage()
        if part_text is None:
            part.set_content(png(), maintype="image", subtype="png", disposition="inline")
        else:
            part.set_content(part_text)
        msg.attach(part)
    parsed = mail.parse(msg.as_bytes(policy=SMTP))
    assert parsed.text == "上半段\n\n下半段"
    assert [a.content_type for a in parsed.attachments] == ["image/png"]


# --- attachments -----------------------------------------------------------------------------


def test_attachments_keep_their_bytes_and_chinese_names():
    raw = build(attachments=[("二月账单.pdf", PDF, "application/pdf"), ("截图.png", png(), "image/png")])
    parsed = mail.parse(raw)
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("二月账单.pdf", "application/pdf", PDF),
        ("截图.png", "image/png", png()),
    ]
    assert parsed.text == BODY


def test_an_attachment_without_a_name_gets_one_and_a_path_in_a_name_is_dropped():
    assert mail.parse(build(attachments=[("../../etc/passwd", b"x", "text/plain")])).attachments[0].filename == "passwd"
    message = mail.parse_message(build(body="x"))
    message.add_attachment(png(), maintype="image", subtype="png")
    assert mail.parse(message.as_bytes()).attachments[0].filename == "attachment-1.png"


# --- loops and machine-made mail -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"Precedence": "auto_reply"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "vacation"},
        {"X-Auto-Response-Suppress": "All"},
        {"X-Auto-Response-Suppress": "DR, AutoReply"},
        {"List-Id": "<news.bank.example>"},
        {"Return-Path": "<>"},
        {"X-Failed-Recipients": "someone@example.com"},
    ],
)
def test_machine_made_mail_has_a_loop_reason(headers):
    assert mail.parse(build(headers=headers)).loop_reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.com"])
def test_mail_from_a_mail_system_has_a_loop_reason(sender):
    assert mail.parse(build(sender=sender)).loop_reason


def test_a_delivery_report_has_a_loop_reason():
    raw = raw_mail(
        "From: Mail Delivery System <bounce@mx.example.com>\nSubject: Undelivered\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n",
    )
    assert "report" in mail.parse(raw).loop_reason


def test_mail_from_our_own_address_and_an_x_loop_of_ours_have_a_loop_reason():
    assert mail.parse(build(sender=f"Bank <{INTAKE.upper()}>"), own_addresses=[INTAKE]).loop_reason
    assert mail.parse(build(headers={"X-Loop": INTAKE}), own_addresses=[INTAKE]).loop_reason
    assert mail.parse(build(), null_sender=True).loop_reason


@pytest.mark.parametrize(
    "headers",
    [{}, {"Auto-Submitted": "no"}, {"Precedence": "normal"}, {"X-Auto-Response-Suppress": "DR"}],
)
def test_a_persons_mail_has_no_loop_reason(headers):
    assert mail.parse(build(headers=headers), own_addresses=[INTAKE]).loop_reason == ""


# --- what a receiver keeps -------------------------------------------------------------------


def test_protocol_headers_keep_metadata_and_name_nobody():
    raw = build(message_id="<m1@mail.example.com>", headers={"Auto-Submitted": "no"})
    headers = mail.protocol_headers(raw, null_sender=True)
    assert headers["message_id"] == "<m1@mail.example.com>"
    assert headers["auto_submitted"] == "no"
    assert headers["content_type"] == "text/plain"
    assert headers["size"] == len(raw)
    assert headers["null_sender"] is True
    flat = repr(headers)
    assert "wangfang" not in flat and "王芳" not in flat and SUBJECT not in flat


def test_the_external_id_is_the_message_id_or_else_the_hash_of_the_bytes():
    assert mail.external_id(build(message_id="<m1@mail.example.com>")) == "<m1@mail.example.com>"
    bare = raw_mail("From: a@example.com\nSubject: x\n")
    assert mail.external_id(bare).startswith("sha256:")
    assert mail.external_id(bare) == mail.external_id(bare)
    assert mail.protocol_headers(b"\x00\xff not a mail")["size"] == 13


def test_an_encoded_word_next_to_raw_utf8_in_one_header_is_read():
    raw = "From: a@example.com\r\nSubject: =?UTF-8?B?5oqV6K+J?= 退款 café\r\n\r\nx\r\n".encode()
    assert mail.parse(raw).subject == "投诉 退款 café"


def test_a_gb2312_encoded_word_as_attachment_name_is_read():
    # What many Chinese mail clients send instead of RFC 2231.
    name = f"=?GB2312?B?{b64('对账单.pdf', 'gbk')}?="
    raw = raw_mail(
        'From: a@example.com\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n',
        (
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件\r\n"
            f'--b\r\nContent-Type: application/pdf; name="{name}"\r\n'
            f'Content-Disposition: attachment; filename="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            f"{base64.b64encode(PDF).decode()}\r\n--b--\r\n"
        ).encode(),
    )
    parsed = mail.parse(raw)
    assert [(a.filename, a.data) for a in parsed.attachments] == [("对账单.pdf", PDF)]
    assert parsed.text == "见附件"
