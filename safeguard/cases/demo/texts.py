"""Demo texts, written for Safeguard (no real customer data): what customers say, by product.

Each entry: (product code, case type, language, subject, description).
"""

from __future__ import annotations

SCENARIOS: list[tuple[str, str, str, str, str]] = [
    # --- credit cards ---------------------------------------------------------
    (
        "credit-card",
        "complaint",
        "zh-hans",
        "信用卡年费被重复扣收",
        "我的信用卡本月被扣了两次年费，各680元。我打过客服电话，说会在三个工作日内处理，但到现在还没有退回。请尽快退还多扣的费用并说明原因。",
    ),
    (
        "credit-card",
        "complaint",
        "zh-hans",
        "未经同意办理分期",
        "我从未申请账单分期，但账单显示一笔12000元的消费被自动转成了12期分期，还收取了手续费。我要求取消分期并退还手续费。",
    ),
    (
        "credit-card",
        "complaint",
        "en",
        "Card blocked abroad without warning",
        "My credit card was blocked while I was travelling in Singapore, even though I had told the bank about the trip. I was left without money for two days. I want an explanation and compensation for the costs.",
    ),
    (
        "credit-card",
        "complaint",
        "zh-hans",
        "催收人员频繁骚扰家人",
        "催收人员一天给我母亲打了十几个电话，还说要到她单位去。我已经在和银行协商还款，这种做法让老人非常害怕。如果不停止，我会向监管部门反映。",
    ),
    ("credit-card", "inquiry", "zh-hans", "积分兑换规则", "请问信用卡积分的有效期是多久？兑换航空里程的比例是多少？"),
    (
        "credit-card",
        "complaint",
        "en",
        "Unrecognised transactions on my card",
        "There are three online transactions on my card that I did not make, totalling 4,350 yuan. I still have the card with me. Please investigate these unauthorised payments and refund them.",
    ),
    # --- deposits and accounts -------------------------------------------------
    (
        "deposit",
        "complaint",
        "zh-hans",
        "定期存款提前支取利息计算有误",
        "我母亲今年78岁，提前支取一笔定期存款，柜员说按活期计息，但实际到账利息比活期还少。她不会用手机银行，希望有人上门或电话解释清楚。",
    ),
    (
        "deposit",
        "complaint",
        "zh-hans",
        "账户被冻结无法取款",
        "我的储蓄卡突然被冻结，网点说要提供各种证明材料。我父亲刚去世，我需要用这笔钱办丧事，请尽快解冻。",
    ),
    (
        "deposit",
        "feedback",
        "zh-hans",
        "网点排队时间太长",
        "周六上午网点只开了两个窗口，我排了一个半小时。建议周末增加窗口或者开放预约。",
    ),
    (
        "deposit",
        "compliment",
        "zh-hans",
        "感谢大堂经理的耐心帮助",
        "上周在朝阳支行办理业务，大堂经理王女士非常耐心地帮我父亲完成了身份证更新，特此表扬。",
    ),
    (
        "deposit",
        "inquiry",
        "en",
        "Documents to open an account",
        "I am a foreign national working in Shanghai. Which documents do I need to open a savings account, and can I do it in English?",
    ),
    # --- loans and mortgages ----------------------------------------------------
    (
        "personal-loan",
        "complaint",
        "zh-hans",
        "提前还款违约金不合理",
        "我申请提前还清房贷，被收取了相当于三个月利息的违约金，但合同里写的是一个月。请核实并退还多收部分。",
    ),
    (
        "personal-loan",
        "complaint",
        "en",
        "Mortgage payment taken twice",
        "My monthly mortgage payment was taken twice this month and my current account went overdrawn, so I was charged an overdraft fee. I want both the payment and the fee returned.",
    ),
    (
        "personal-loan",
        "complaint",
        "zh-hans",
        "贷款审批拖延",
        "我的经营贷申请已经提交四十多天，客户经理一直说在审批中，没有任何书面答复。我的资金周转非常困难，请给个明确说法。",
    ),
    (
        "personal-loan",
        "inquiry",
        "zh-hans",
        "贷款利率调整",
        "LPR下调以后，我的房贷利率什么时候调整？需要我去网点办理吗？",
    ),
    # --- payments -----------------------------------------------------------------
    (
        "payment",
        "complaint",
        "zh-hans",
        "跨行转账未到账",
        "三天前通过手机银行向他行转账5万元，显示成功，但对方一直没有收到。客服只说在查询。请尽快给出处理结果。",
    ),
    (
        "payment",
        "complaint",
        "en",
        "International transfer delayed and fees unclear",
        "I sent a transfer to the UK two weeks ago. It has not arrived and I was charged fees that were not shown before I confirmed. Please trace the payment and explain the fees.",
    ),
    (
        "payment",
        "complaint",
        "zh-hans",
        "被骗转账要求协助追回",
        "我接到冒充公安的电话，被骗转账了8万元。我已经报警，请银行协助冻结对方账户。我现在情绪很差，不知道该怎么办。",
    ),
    (
        "payment",
        "feedback",
        "en",
        "Add a confirmation step for large transfers",
        "The app should ask for an extra confirmation when a transfer is unusually large. It would help stop scams.",
    ),
    # --- wealth management ----------------------------------------------------------
    (
        "wealth",
        "complaint",
        "zh-hans",
        "理财产品风险未充分告知",
        "客户经理推荐我购买的理财产品说是保本的，现在亏损了15%。我是保守型投资者，购买时没有人告诉我风险等级。要求赔偿损失。",
    ),
    (
        "wealth",
        "complaint",
        "en",
        "Mis-sold investment product",
        "I was sold a structured product as a safe savings alternative. I am 72 and was not told it could lose capital. I want my money back and will go to the ombudsman if necessary.",
    ),
    ("wealth", "inquiry", "zh-hans", "基金赎回到账时间", "请问我在手机银行赎回的货币基金，一般几天到账？"),
    # --- insurance agency -------------------------------------------------------------
    (
        "insurance",
        "complaint",
        "zh-hans",
        "代理保险被当作存款销售",
        "我在网点存钱时，工作人员让我签了一份文件，后来才知道是十年期的分红保险，不是存款。我要求全额退保。",
    ),
    (
        "insurance",
        "complaint",
        "en",
        "Claim refused on a technicality",
        "My travel insurance claim, bought through the bank, was refused because a receipt was missing, although I sent it by e-mail. Please review the decision.",
    ),
    # --- bank cards / debit ----------------------------------------------------------------
    (
        "bank-card",
        "complaint",
        "zh-hans",
        "ATM吞卡未及时处理",
        "昨天晚上ATM吞了我的银行卡，打了电话登记，今天去网点说还没有收到记录。我急需用卡，请尽快处理。",
    ),
    (
        "bank-card",
        "complaint",
        "zh-hans",
        "境外盗刷",
        "我人在北京，银行卡却在境外发生了三笔消费共计2300美元。我已经挂失，请尽快调查并退回被盗刷的钱。",
    ),
    # --- e-banking ---------------------------------------------------------------------------
    (
        "e-banking",
        "complaint",
        "zh-hans",
        "手机银行频繁闪退",
        "升级到最新版本后，手机银行一打开就闪退，已经一个星期了，工资都查不了。请尽快修复。",
    ),
    (
        "e-banking",
        "feedback",
        "zh-hans",
        "希望手机银行提供大字版",
        "家里老人视力不好，手机银行的字太小看不清。建议推出适老化的大字版本。",
    ),
    (
        "e-banking",
        "complaint",
        "en",
        "Locked out of online banking",
        "I have been locked out of online banking for a week. Each time I call I am told to wait for a reset letter that never arrives. I cannot pay my bills.",
    ),
    (
        "e-banking",
        "compliment",
        "en",
        "Great chat support",
        "The chat agent solved my problem with the app in five minutes. Thank you.",
    ),
    # --- foreign exchange ----------------------------------------------------------------------
    (
        "fx",
        "complaint",
        "zh-hans",
        "购汇额度被错误占用",
        "我没有完成购汇，但系统显示今年的便利化额度已经用了2万美元。请核实更正。",
    ),
    (
        "fx",
        "inquiry",
        "en",
        "Exchange rate used for my transfer",
        "Which exchange rate was applied to my outward transfer last Tuesday, and when is the rate fixed?",
    ),
    # --- other ------------------------------------------------------------------------------------
    (
        "other",
        "complaint",
        "zh-hans",
        "营业厅工作人员态度恶劣",
        "我咨询业务时，柜员不耐烦地说“自己看说明”，还当着其他客户的面指责我。希望银行加强员工培训并给我一个道歉。",
    ),
    (
        "other",
        "feedback",
        "en",
        "Accessible branch entrance",
        "The branch on Nanjing Road has steps at the entrance and no ramp. Wheelchair users cannot get in.",
    ),
]

CHINESE_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CHINESE_GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
]
ENGLISH_FIRST = ["Alice", "James", "Olivia", "Henry", "Grace", "Daniel", "Sophie", "Thomas", "Emily", "George"]
ENGLISH_LAST = ["Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Clarke", "Turner"]
CITIES = [
    "北京市朝阳区建国路",
    "上海市浦东新区世纪大道",
    "广州市天河区珠江新城",
    "深圳市南山区科技园",
    "杭州市西湖区文三路",
]
