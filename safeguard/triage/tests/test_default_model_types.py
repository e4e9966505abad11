"""The model trained on the shipped examples recognises the type of hand-written messages whose
answer is unambiguous, in English and in Chinese, including complaints that never use the word
(none of these texts is in the shipped file)."""

import pytest

from safeguard.triage.ml import TriageModel
from safeguard.triage.taxonomy import seed_examples

UNAMBIGUOUS = [
    ("You took the annual fee twice this month and nobody has refunded it. I want my money back now.", "complaint"),
    ("Three weeks and still no reply about the wrong charge on my card. This is unacceptable.", "complaint"),
    ("What time does the Nanjing Road branch open on Saturdays?", "inquiry"),
    ("How do I raise the daily transfer limit in the mobile app?", "inquiry"),
    ("Many thanks to the teller who helped my mother today, she was patient and kind.", "compliment"),
    ("信用卡年费被重复扣了两次，打了好几次电话都没人处理，请马上退还。", "complaint"),
    ("你们把我的贷款利率算错了，多扣了我三个月的利息，必须给我一个说法。", "complaint"),
    ("请问周六网点几点开门？", "inquiry"),
    ("非常感谢大堂经理耐心帮我办理业务，服务特别好！", "compliment"),
]


@pytest.fixture(scope="module")
def shipped_type_model() -> TriageModel:
    examples = seed_examples()
    return TriageModel(encoder="none").fit([e.text for e in examples], [e.type for e in examples])


def test_the_shipped_examples_are_not_the_test_texts():
    texts = {e.text for e in seed_examples()}
    assert not texts & {text for text, _type in UNAMBIGUOUS}


@pytest.mark.parametrize(("text", "expected"), UNAMBIGUOUS)
def test_the_default_model_recognises_the_type(shipped_type_model, text, expected):
    (guess,) = shipped_type_model.predict([text])
    assert guess.label == expected, (guess.label, guess.top)
