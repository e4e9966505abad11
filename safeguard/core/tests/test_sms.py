"""The SMS backend interface: the setting picks the backend; each shipped backend delivers."""

from __future__ import annotations

import io

import pytest

from safeguard.core import sms


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


class RecordingBackend:
    """A gateway an institution might plug in: any class with ``send(to, body)``."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> None:
        self.sent.append((to, body))


def test_the_test_settings_keep_messages_in_the_locmem_outbox():
    sms.send_sms("13800000001", "您的验证码是 123456。")
    assert sms.outbox == [sms.SmsMessage(to="13800000001", body="您的验证码是 123456。")]


def test_send_sms_loads_the_backend_named_in_the_setting(settings):
    settings.SAFEGUARD_SMS_BACKEND = f"{__name__}.RecordingBackend"
    RecordingBackend.sent.clear()
    sms.send_sms("+8613800000002", "hello")
    assert RecordingBackend.sent == [("+8613800000002", "hello")]
    assert sms.outbox == []


def test_the_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SAFEGUARD_SMS_DIR = tmp_path / "sms"
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.FileBackend"
    sms.send_sms("13800000003", "第一条")
    sms.send_sms("13800000003", "second")
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    contents = {f.read_text(encoding="utf-8") for f in files}
    assert contents == {"To: 13800000003\n\n第一条\n", "To: 13800000003\n\nsecond\n"}


def test_the_console_backend_prints_the_message():
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send("13800000004", "code 654321")
    assert "SMS to 13800000004" in stream.getvalue()
    assert "code 654321" in stream.getvalue()


def test_the_console_backend_writes_to_standard_output_by_default(settings, capsys):
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.ConsoleBackend"
    sms.send_sms("13800000005", "hi")
    assert "SMS to 13800000005" in capsys.readouterr().out


def test_an_unknown_backend_is_a_clear_configuration_error(settings):
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.NoSuchBackend"
    with pytest.raises(ImportError):
        sms.send_sms("13800000006", "hi")


def test_the_disabled_backend_refuses_rather_than_printing_codes(settings):
    import pytest

    from safeguard.core import sms

    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.DisabledBackend"
    with pytest.raises(sms.SmsNotConfigured):
        sms.send_sms("13800138000", "Your code is 123456")
