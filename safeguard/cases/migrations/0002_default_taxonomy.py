"""The default taxonomy: products (business lines), complaint categories and root causes.

Written for Safeguard, in English and Simplified Chinese. Administrators edit or deactivate
entries in the admin; this migration only adds the ones that are missing, so running it on a
database with edited entries keeps the edits.

Each product's comment names the nearest product of the CFPB complaint database and the
nearest business category of JR/T 0169-2018 (classification of financial consumer complaints,
banking), the lists regulatory returns are grouped by.
"""

from django.db import migrations

# code, English, Chinese. Comments: CFPB product / JR/T 0169-2018 business category.
PRODUCTS = [
    ("credit-card", "Credit cards", "信用卡"),  # Credit card or prepaid card / 信用卡
    ("bank-card", "Debit and prepaid cards", "借记卡与预付卡"),  # Prepaid card / 借记卡
    ("deposit", "Deposits and accounts", "存款与账户"),  # Checking or savings account / 人民币储蓄、单位存款
    ("personal-loan", "Personal loans and mortgages", "个人贷款与住房按揭"),  # Mortgage; Vehicle loan; Personal loan / 个人贷款
    ("payment", "Payments and settlement", "支付结算"),  # Money transfer, virtual currency, or money service / 支付结算
    ("e-banking", "Online and mobile banking", "电子银行"),  # Checking or savings account (channel) / 电子银行
    ("wealth", "Wealth management products", "理财产品"),  # (no CFPB product) / 理财、代销基金
    ("insurance", "Insurance sold as agent", "代理保险"),  # (no CFPB product) / 银行代理业务
    ("fx", "Foreign exchange", "外汇业务"),  # Money transfer (international) / 外汇业务
    ("other", "Other products and services", "其他产品与服务"),  # Other / 其他
]

# code, English, Chinese, product code or None for every product.
CATEGORIES = [
    ("fees-charges", "Fees and charges", "收费问题", None),
    ("interest-rates", "Interest and rates", "利息与利率", None),
    ("mis-selling", "Mis-selling or unsuitable advice", "销售误导或不当推介", None),
    ("disclosure", "Information not clear or not given", "信息披露不充分", None),
    ("service-quality", "Staff attitude and service quality", "服务态度与服务质量", None),
    ("transaction-error", "Transaction errors", "交易差错", None),
    ("unauthorised-transaction", "Unauthorised or fraudulent transactions", "未授权交易或欺诈", None),
    ("debt-collection", "Debt collection practices", "催收行为", None),
    ("account-access", "Opening, freezing and closing accounts", "账户开立、冻结与销户", None),
    ("credit-reporting", "Credit reporting", "征信问题", None),
    ("personal-information", "Personal information protection", "个人信息保护", None),
    ("digital-channels", "Online and mobile channels not working", "线上渠道与系统故障", None),
    ("access-waiting", "Waiting times and accessibility", "排队等候与服务可及性", None),
    ("contract-terms", "Contract terms and changes to them", "合同条款与变更", None),
    ("loan-processing", "Loan applications and repayment", "贷款申请与还款", "personal-loan"),
    ("insurance-claims", "Insurance claims and cancellations", "保险理赔与退保", "insurance"),
    ("other", "Other", "其他", None),
]

ROOT_CAUSES = [
    ("staff-conduct", "Staff conduct", "人员行为不当"),
    ("system-failure", "System failure", "系统故障"),
    ("product-design", "Product design", "产品设计缺陷"),
    ("pricing-fees", "Pricing and fees", "定价与收费"),
    ("disclosure", "Disclosure", "信息披露不足"),
    ("process-delay", "Process delay", "流程延误"),
    ("process-design", "Process design", "流程设计缺陷"),
    ("third-party", "Third-party partner", "第三方合作机构"),
    ("fraud", "Fraud", "欺诈"),
    ("policy-terms", "Policy or terms", "政策与条款"),
    ("customer-misunderstanding", "Customer misunderstanding", "客户误解"),
    ("other", "Other", "其他"),
]


def seed(apps, schema_editor):
    Product = apps.get_model("cases", "Product")
    Category = apps.get_model("cases", "Category")
    RootCause = apps.get_model("cases", "RootCause")
    products = {}
    for code, name, name_zh in PRODUCTS:
        products[code], _created = Product.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh})
    for code, name, name_zh, product in CATEGORIES:
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "product": products.get(product)}
        )
    for code, name, name_zh in ROOT_CAUSES:
        RootCause.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh})


def unseed(apps, schema_editor):
    """Remove the default entries no case uses; used ones stay (cases protect them)."""
    Product = apps.get_model("cases", "Product")
    Category = apps.get_model("cases", "Category")
    RootCause = apps.get_model("cases", "RootCause")
    Resolution = apps.get_model("cases", "Resolution")
    Category.objects.filter(code__in=[c[0] for c in CATEGORIES], cases__isnull=True).delete()
    used_causes = Resolution.objects.values_list("root_cause_id", flat=True)
    RootCause.objects.filter(code__in=[c[0] for c in ROOT_CAUSES]).exclude(id__in=used_causes).delete()
    Product.objects.filter(code__in=[p[0] for p in PRODUCTS], cases__isnull=True, categories__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
