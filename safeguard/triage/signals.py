"""Urgency and risk signals in a complaint's text, each with the words that triggered it.

CONTRACT: ``detect(text: str, *, language: str | None = None) -> list[Signal]``;
``Signal(kind, words, severity)`` with ``kind`` one of ``SignalKind`` and ``words`` the exact
substrings of ``text`` that triggered it (so the page can highlight them), ``as_dict()`` for
``Prediction.signals``. Rules, not a model: every signal must be explainable and testable.

How the rules read text:

* Two lexicons, English and Simplified Chinese, always both: customers mix languages in one
  message, and the lexicons cannot collide (Latin letters against Han characters), so
  ``language`` is accepted for the contract and changes nothing.
* English terms match whole words only, with ASCII letters and digits as the word characters,
  so "scam" does not fire inside "scampi" but does in "被scam了" (Python's ``\\b`` would treat the
  Han characters as letters). Case is ignored (except for "sue": Sue is also a name);
  full-width letters and digits (１２３７８, ＦＣＡ) match like their ASCII forms.
* Chinese has no word boundaries: a term is a run of characters, and where a short term is also
  part of an unrelated word the rule names the exceptions (跳楼 but not 跳楼价, 媒体 but not
  多媒体, 诈骗 but not 防诈骗, 想死 but not 想死你了). Bare 病, 骗, 丧 and 又 are too common to
  use alone (毛病 a fault, 疾病 in "which illnesses are covered", 沮丧 upset, 又 also): they count
  only in words and phrases (生病, 看病, 病重; 被骗, 骗子; 丧偶, 丧事; 又一次, 又来投诉).
* No negation handling, on purpose. A signal says the text names the topic, and a person
  decides: "I will not go to the regulator yet" still counts as a regulator threat, "I'm not
  suicidal, but..." still escalates. Self-harm is always ``critical``.
* Words that mean something else in banking are left out or need context: "regulatory",
  "regulation" and "regular" are not "regulator"; "unauthorised overdraft" (a UK fee term) is
  not fraud; "suicide clause" in a life policy is not self-harm; "again" alone (try again) and
  "N times" alone (charged three times) are not repeats, only when the customer is contacting us
  again ("writing again", "called 5 times", 再次投诉, 第三次来).

Known limits: a word used in an unlisted other sense still fires (a customer called Sue who
writes "Sue"; 人民银行 is counted only after a verb such as 向/找/投诉到), and a signal phrased in
words not in the lexicon is missed. The lexicons are code so that each change comes with tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignalKind(models.TextChoices):
    VULNERABLE = "vulnerable", _("Vulnerable customer")
    REGULATOR_THREAT = "regulator_threat", _("Threat to go to a regulator, the media or the courts")
    FRAUD = "fraud", _("Fraud or unauthorised transaction")
    SELF_HARM = "self_harm", _("Self-harm or crisis")
    REPEAT = "repeat", _("Repeat complaint")


# Values of cases.models.Severity (kept as strings so this module needs no app registry).
SEVERITY: dict[str, str] = {
    SignalKind.SELF_HARM: "critical",
    SignalKind.FRAUD: "high",
    SignalKind.REGULATOR_THREAT: "high",
    SignalKind.VULNERABLE: "high",
    SignalKind.REPEAT: "medium",
}
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_KIND_ORDER = {kind.value: n for n, kind in enumerate(SignalKind)}


@dataclass(frozen=True)
class Signal:
    kind: str
    words: tuple[str, ...]
    severity: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "words": list(self.words), "severity": self.severity}


# An English term is a whole word: no ASCII letter or digit may touch it (Han characters may).
_L = r"(?<![A-Za-z0-9])"
_R = r"(?![A-Za-z0-9])"
_Q = "['\u2019]"  # straight or curly apostrophe: didn't, didn’t
_NOT = rf"(?:did\s*n{_Q}?t|did\s+not|do\s*n{_Q}?t|do\s+not|does\s*n{_Q}?t|does\s+not|never)"
_RELATIVE = (
    r"(?:husband|wife|partner|spouse|mother|father|mum|mom|dad|son|daughter|brother|sister|parent|"
    r"grandmother|grandfather)"
)
_MONEY_THING = r"(?:payments?|transactions?|purchases?|withdrawals?|transfers?|charges?|debits?|direct\s+debits?|spending|activity)"
_AGE = r"(?:7\d|8\d|9\d|1[01]\d)"  # 70 to 119


def _en(*patterns: str) -> str:
    """English terms (lower case; matched against the ASCII-lower-cased text) as whole words.
    Each term should start with a letter, not an assertion, so the regex engine can skip the
    terms whose first letter does not match (signals run on every case: speed matters)."""
    return f"{_L}(?:{'|'.join(patterns)}){_R}"


# kind: (English, Chinese). Each is one regex, run only on text with letters or digits (English)
# or Han characters (Chinese) in it.
_PATTERNS: dict[str, tuple[str, str]] = {
    SignalKind.SELF_HARM: (
        _en(
            r"suicid(?:e|al)(?!\s+(?:clause|exclusion))",
            r"kill(?:ing)?\s+myself",
            r"end(?:ing)?\s+(?:my\s+(?:own\s+)?life|it\s+all)",
            r"tak(?:e|ing)\s+my\s+(?:own\s+)?life",
            r"no\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on)",
            r"nothing\s+(?:left\s+)?to\s+live\s+for",
            rf"(?:do\s*n{_Q}?t|do\s+not)\s+want\s+to\s+(?:live|be\s+alive|be\s+here)(?:\s+any\s*more)?",
            r"want\s+to\s+die",
            r"better\s+off\s+dead",
            r"self[-\s]?harm(?:ing)?",
            r"(?:harm|hurt)(?:ing)?\s+myself",
            rf"can{_Q}?t\s+go\s+on\s+(?:any\s*more|living)",
            r"overdose",
        ),
        r"不想活|活不下去|活着没有?意思|活够了|自杀|轻生|寻死|想死(?![你您他她])|一死了之|"
        r"了结(?:自己|生命|此生)|结束(?:自己的?|我的)?生命|跳楼(?![价大])|跳河|割腕|"
        r"(?:喝|吃)(?:农药|安眠药)|自残|伤害自己|同归于尽",
    ),
    SignalKind.FRAUD: (
        _en(
            rf"unauthori[sz]ed\s+(?!overdraft)(?:[a-z-]+\s+){{0,2}}?{_MONEY_THING}",
            r"unauthori[sz]ed\s+(?:use|access)",
            rf"{_NOT}\s+(?:make|made|authori[sz]ed?|approved?|do|did)\s+"
            rf"(?:this|that|these|those|any\s+of\s+(?:these|those|the))\s+(?:[a-z-]+\s+)?{_MONEY_THING}",
            rf"{_NOT}\s+authori[sz]ed?\s+(?:this|that|it|these|them)",
            rf"{_NOT}\s+recogni[sz]e\s+(?:this|that|these|those|the|a|an|some|any|several|two|three)\s+"
            rf"(?:[a-z-]+\s+)?{_MONEY_THING}",
            r"not\s+(?:authori[sz]ed|made)\s+by\s+me",
            r"scam(?:s|med|mer|mers)?",
            r"fraud(?<!anti-fraud)(?<!anti\sfraud)(?:ulent(?:ly)?|sters?)?"
            r"(?!\s+(?:checks?|prevention|screening|controls?|filters?|rules?|system))",
            r"identity\s+theft",
            r"stolen\s+(?:card|cards|identity|phone|wallet|purse|details)",
            r"(?:card|phone|wallet|purse|identity|details)\s+(?:was|were|has\s+been|have\s+been|got)\s+stolen",
            r"phishing",
            r"hack(?:ed|er|ers)",
            r"clon(?:ed|ing)",
            r"skimm(?:ed|er|ing)",
            r"impersonat(?:ed|ing|or|ors|ion)",
            r"(?:conned|tricked|duped)\s+(?:me|us|him|her|them|into)",
            r"(?:money|funds|savings)\s+(?:was|were|has\s+been|have\s+been)\s+(?:taken|stolen|drained)",
            r"someone\s+(?:else\s+)?(?:has\s+)?(?:used|accessed|took|taken|withdrew|spent)",
            r"push\s+payment",
            r"money\s+mule",
            r"fake\s+(?:call|text|website|e-?mail|message|bank|investment|advis[eo]r)",
            r"safe\s+account",
        ),
        r"盗刷|被盗(?:用|刷)?|盗用|被骗|诈骗(?<![防反]诈骗)|骗子|骗局|骗走|冒用|冒名|冒充|"
        r"非本人(?:操作|交易|消费|授权)?|不是(?:我|本人)(?:本人)?(?:操作|消费|转账|刷|交易)|"
        r"(?:本人|我)(?:并|从来|根本)?(?:没有|没|未)(?:任何)?(?:操作|消费|授权|转账|刷卡|交易)|"
        r"未经(?:我的?|本人的?)?授权|钓鱼(?:网站|短信|链接|电话)|伪卡|克隆卡|复制卡|"
        r"陌生(?:交易|扣款|消费|转账)|安全账户",
    ),
    SignalKind.REGULATOR_THREAT: (
        _en(
            # Regulators, ombudsmen and hotlines.
            r"regulators?",
            r"financial\s+conduct\s+authority",
            r"fca",
            r"12378|12363|12315",  # the NFRA's, the PBOC's and the market regulator's hotlines
            r"(?:financial\s+)?ombudsman(?:\s+service)?",
            r"fos",
            r"cfpb",
            r"consumer\s+financial\s+protection\s+bureau",
            r"nfra",
            r"cbirc",
            r"cbrc",
            r"pboc",
            rf"people{_Q}?s\s+bank\s+of\s+china",
            r"prudential\s+regulation\s+authority",
            r"trading\s+standards",
            r"(?:my|local)\s+mp",
            # Media.
            r"journalists?",
            r"reporters?",
            r"the\s+press",
            r"newspapers?",
            r"(?:the|local|national)\s+media",
            r"(?:go|going|went|contact|contacting|tell|telling)\s+(?:to\s+)?the\s+(?:local\s+|national\s+)?(?:news|papers)",
            r"news\s+(?:channel|station|desk|programme|program)",
            r"bbc",
            r"watchdog",
            r"go(?:ing)?\s+public",
            r"viral",
            r"(?:post|posting|posted|share|sharing|put|putting|tweet|tweeting|expose|exposing|write|writing)\s+"
            r"(?:this|it|about\s+(?:this|it|you)|you)\s+(?:on|all\s+over)\s+"
            r"(?:social\s+media|twitter|facebook|tiktok|instagram|reddit|weibo|trustpilot)",
            # Courts and lawyers.
            r"lawyers?",
            r"solicitors?",
            r"attorney(?<!power\sof\sattorney)s?",  # not "power of attorney"
            r"legal\s+(?:action|proceedings|advice)",
            r"litigation",
            r"small\s+claims(?:\s+court)?",
            r"courts?",
            r"tribunal",
            r"class\s+action",
            r"letter\s+before\s+action",
        ),
        # Regulators and hotlines; the central bank only after a verb (it is also cited for rules).
        r"银保监(?:会|局)?|银监(?:会|局)|保监(?:会|局)|(?:国家)?金融监管(?:总局|局|部门|机构)|"
        r"金融监督管理(?:总局|局)|监管(?:部门|机构|局|单位)|"
        r"(?:投诉到|反映到|举报到|告到|反映给|向|到|找|去|给|跟)(?:中国)?(?:人民银行|人行|央行|监管(?:部门|机构|局|单位|总局)?)|"
        r"消费者协会|消协|市场监管局|调解(?:中心|组织|委员会)|"
        # Media.
        r"媒体(?<!多媒体)|记者|曝光|电视台|报社|报纸|新闻热线|黑猫投诉|上热搜|"
        r"(?:发|发到|发在|挂到|挂在|放到|传到|晒到|晒在)(?:网上|微博|抖音|朋友圈|小红书|快手|知乎|论坛)|"
        # Courts.
        r"律师|起诉|法院|诉讼|打官司|仲裁|法律(?:途径|手段|程序)|追究(?:你们的?|贵行的?)?法律责任|"
        r"告(?<![报转通广忠劝警公]告)(?:你们|贵行|银行)",
    ),
    SignalKind.VULNERABLE: (
        _en(
            # Age.
            rf"{_AGE}[\s-]*(?:years?|yrs?)[\s-]*old",
            rf"(?:aged?|i(?<!until\si)(?<!till\si)(?<!when\si)(?:\s+am|{_Q}m)|turned)\s+{_AGE}",  # not "until I'm 90"
            r"(?:seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?[\s-]*years?[\s-]*old",
            r"in\s+(?:my|his|her|their)\s+(?:seventies|eighties|nineties)",
            r"elderly",
            r"(?:old[\s-]age\s+)?pensioners?",
            r"oap",
            r"senior\s+citizens?",
            r"retired(?!\s+(?:products?|cards?|accounts?|services?|features?|apps?|versions?|plans?))",
            r"retirees?",
            r"(?:care|nursing)\s+home",
            # Illness and disability.
            r"cancer",
            r"chemo(?:therapy)?",
            r"dementia",
            rf"alzheimer{_Q}?s",
            r"(?:terminal(?:ly)?|seriously|critically|chronically)\s+ill",
            r"terminal\s+illness",
            r"illness(?:es)?",
            r"(?:in|into|out\s+of)\s+hospital",
            r"hospitali[sz](?:ed|ation)",
            r"disabilit(?:y|ies)",
            rf"i(?:\s+am|{_Q}m|\s+have\s+been)\s+(?:registered\s+)?disabled",
            r"disabled\s+(?:person|customer|son|daughter|husband|wife|mother|father|mum|dad|child|people|badge)",
            r"wheelchair(?:\s+user)?",
            r"(?:had|suffered)\s+a\s+stroke",
            r"heart\s+attack",
            r"mental\s+health",
            r"depress(?:ed|ion)",
            r"anxiety",
            r"bipolar",
            r"autis(?:m|tic)",
            r"(?:registered|partially|completely)\s+blind|visually\s+impaired|partially\s+sighted",
            r"deaf|hearing\s+impaired",
            # Bereavement.
            r"bereave(?:d|ment)",
            r"passed\s+away",
            r"funeral",
            r"widow(?:ed|er)?",
            r"probate",
            rf"{_RELATIVE}(?:{_Q}s)?\s+(?:(?:has|had|recently|sadly|suddenly|just)\s+){{0,2}}died",
            rf"death\s+of\s+(?:my|our)(?:\s+{_RELATIVE})?",
            rf"(?:my|our|his|her)\s+late\s+{_RELATIVE}",
            r"death\s+certificate",
            # Hardship and abuse.
            r"lost\s+my\s+job",
            r"(?:made\s+)?redundan(?:t|cy)",
            r"unemployed",
            r"out\s+of\s+work",
            r"bankrupt(?:cy)?",
            r"insolven(?:t|cy)",
            r"food\s+banks?",
            r"homeless(?:ness)?",
            r"evict(?:ed|ion)",
            rf"(?:can{_Q}?t|cannot|could\s*n{_Q}?t|unable\s+to)\s+afford\s+(?:to\s+)?(?:buy\s+)?"
            r"(?:food|eat|rent|heating|groceries|feed\s+my\s+\w+|bills|medicine|medication|essentials|"
            r"my\s+rent|the\s+rent|my\s+bills|the\s+bills)",
            r"financial\s+hardship",
            r"struggling\s+financially",
            r"(?:no|zero)\s+income",
            r"(?:on|claiming)\s+(?:benefits|universal\s+credit)",
            r"domestic\s+(?:abuse|violence)",
            r"coercive\s+control",
            r"financial\s+abuse",
        ),
        # Age.
        r"(?:1[01]|[7-9])\d(?<![0-9][7-9]\d)(?<![0-9]1[01]\d)\s*多?周?岁|[七八九]十[一二三四五六七八九]?多?岁|[七八九]旬|古稀|耄耋|高龄|"
        r"老年人?|老人家?|老太太|老大爷|老爷子|老伴|空巢|退休|养老金|"
        # Illness and disability: 病 only in words about being ill (not 毛病 fault, 病毒 virus, 疾病 in
        # "which illnesses does the policy cover", 丧心病狂 ...).
        r"(?:生|患|得|重|大|久|看|治|犯|因|身患)病|病(?:重|危|倒|情|人|房|假|逝|故|痛|休|床)|"
        r"(?:心脏|糖尿|慢性|精神|传染|白血|尿毒|帕金森|绝症|重大)病|癌症?|肿瘤|化疗|住院|(?:做|动)了?手术|残疾人?|残障|瘫痪|失明|失聪|"
        r"聋哑?|盲人|痴呆|阿尔茨海默|抑郁症?|精神(?:疾病|障碍|分裂)|中风|卧床|重症|"
        # Bereavement.
        r"去世|过世|逝世|离世|身故|亡故|丧(?:偶|事|葬|父|母|子|女|夫|妻)|奔丧|治丧|葬礼|追悼|后事|遗产|遗嘱|"
        r"死亡证明|遗孀|"
        # Hardship and abuse.
        r"失业|下岗|破产|没有?收入|无收入|吃不上饭|吃不起饭|揭不开锅|(?:生活|经济|家庭)(?:十分|非常|很)?困难|"
        r"困难户|低保|走投无路|(?:交|付|还)不起|负债累累|家暴",
    ),
    SignalKind.REPEAT: (
        _en(
            r"(?:second|third|fourth|fifth|sixth|seventh|2nd|3rd|4th|5th|6th|7th|umpteenth|nth)\s+"
            r"(?:time|complaint|letter|e-?mail|call|attempt|visit)",
            r"(?:already|previously)\s+(?:complained|raised|reported|written|wrote|called|contacted|told|been\s+in)",
            r"complained\s+(?:before|previously|already|twice|last\s+\w+|about\s+this\s+before)",
            r"(?:my|a|the)\s+(?:previous|earlier|last|first|original)\s+complaint",
            r"(?:yet|once)\s+again",
            r"again\s+and\s+again",
            r"(?:complain\w*|writ\w*|wrote|call\w*|phon\w*|rang|contact\w*|chas\w*|rais\w*|e-?mail\w*)\s+"
            r"(?:you\s+|your\s+\w+\s+|about\s+this\s+|this\s+|it\s+)?again",
            rf"still\s+(?:not|has\s*n{_Q}?t|has\s+not|have\s*n{_Q}?t|have\s+not)\s+(?:been\s+)?"
            r"(?:resolved|fixed|sorted|refunded|answered)",
            rf"(?:i|we)(?:\s+have|{_Q}ve)?(?:\s+(?:already|now))?\s+"
            r"(?:called|rang|phoned|written|wrote|e-?mailed|complained|contacted|chased|visited)(?![A-Za-z])[^.!?\n]{0,30}?"
            r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many|multiple|numerous|countless)\s+times",
            r"(?:nobody|no\s+one|no-one)\s+(?:has\s+)?(?:ever\s+)?(?:got|gotten|came|come|called|replied|responded)\s+back",
        ),
        r"(?:已经是|这是)第[二三四五六七八九十两2-9]次|"
        r"第[二三四五六七八九十两2-9]\s*次(?:投诉|反映|联系|来|打|写|致电|找|申诉|提出|跑)|"
        r"(?:再次|多次|屡次|反复|又一次|一再|三番五次|再一次|又)(?:来|去|向你们|向贵行|给你们|跟你们)?"
        r"(?:投诉|反映|联系|致电|打电话|来电|来信|写信|催|找|提出|申诉)|"
        r"(?:已经|之前|以前|上次|早就|曾经|已)(?:多次)?(?:投诉|反映|联系|打电话|申诉|找)过(?!程)|投诉过(?!程)|反映过(?!程)|"
        r"(?:上次|之前|以前)的?投诉|"
        r"(?:一直|至今|仍然|仍|还是|到现在都?)(?:没有?|未)(?:得到)?(?:解决|处理|答复|回复)|"
        r"(?:投诉|反映|打电话|联系|来|找|跑)了?(?:好几|很多|无数|[2-9二三四五六七八九十两])次|石沉大海|重复投诉",
    ),
}

# Matched case-sensitively: "sue" (or a shouted "SUE") the verb, not "Sue" the name.
_CASED: dict[str, str] = {SignalKind.REGULATOR_THREAT: f"{_L}(?:su(?:e|ed|ing)|SU(?:E|ED|ING)){_R}"}

# (kind, regex, script, lower-cased?). No re.IGNORECASE: the text is lower-cased first (ASCII
# only), which keeps the engine's fast first-character checks and every offset.
_RULES: list[tuple[str, re.Pattern[str], str, bool]] = [
    *((kind, re.compile(english), "latin", True) for kind, (english, _chinese) in _PATTERNS.items()),
    *((kind, re.compile(chinese), "han", True) for kind, (_english, chinese) in _PATTERNS.items()),
    *((kind, re.compile(pattern), "latin", False) for kind, pattern in _CASED.items()),
]
_LATIN = re.compile(r"[A-Za-z0-9]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Full-width ASCII (！ to ～) and the ideographic space read as their ASCII forms, and (for the
# lower-cased copy) A-Z as a-z. One character for one, so a match's offsets are the original's.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_LOWER = _FULL_WIDTH | {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_LOWER |= {code: code - 0xFEE0 + 32 for code in range(ord("Ａ"), ord("Ｚ") + 1)}


def detect(text: str, *, language: str | None = None) -> list[Signal]:
    """Every signal in ``text``, most severe first; each kind once, with its words in the order
    they appear (each distinct word once). ``language`` is accepted and ignored (see above)."""
    if not text:
        return []
    folded, lowered = text.translate(_FULL_WIDTH), text.translate(_LOWER)
    scripts = {"latin": _LATIN.search(folded) is not None, "han": _HAN.search(folded) is not None}
    spans: dict[str, list[tuple[int, int]]] = {}
    for kind, rule, script, lower in _RULES:
        if not scripts[script]:
            continue
        for match in rule.finditer(lowered if lower else folded):
            spans.setdefault(kind, []).append(match.span())
    found = []
    for kind, matched in spans.items():
        words: dict[str, None] = {}
        for start, end in sorted(matched):
            if word := text[start:end].strip():
                words.setdefault(word)
        if words:
            found.append(Signal(kind=str(kind), words=tuple(words), severity=SEVERITY[kind]))
    found.sort(key=lambda s: (_SEVERITY_RANK[s.severity], _KIND_ORDER[s.kind]))
    return found


def kinds(text: str) -> set[str]:
    """The kinds of signal in ``text`` (for routing conditions and tests)."""
    return {signal.kind for signal in detect(text)}
