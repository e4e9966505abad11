"""Ship the KPI catalogue: what each KPI measures, in both languages, and the calculator (with its
parameters) that computes it. Which cases each counts is explained in docs/quality.md ("KPIs").

Only KPIs whose code is missing are added, so an administrator's edits survive; the reverse
removes the shipped KPIs that no target uses.
"""

from django.db import migrations

MILESTONE_RULE = (
    "A deadline counts once it is decided: met, or marked breached by the deadline scan. It is met in time "
    "when it was met at or before its due time (a paused clock has already moved the due time). "
)
MILESTONE_RULE_ZH = "时限在已办结或已被时限扫描标记为超时后计入；在到期时刻或之前完成即为按时（暂停计时已顺延到期时刻）。"

KPIS = [
    {
        "code": "ack-within-policy",
        "name": "Acknowledged within policy",
        "name_zh": "按时确认受理率",
        "definition": "Share of the acknowledgement deadlines due in the period that were met in time. "
        + MILESTONE_RULE,
        "definition_zh": "统计期内到期的受理确认时限中按时完成的比例。" + MILESTONE_RULE_ZH,
        "unit": "percent",
        "direction": "higher",
        "calculator": "milestone_in_time",
        "params": {"milestone": "acknowledge"},
    },
    {
        "code": "first-response-24h",
        "name": "First response within 24 hours",
        "name_zh": "24小时内首次响应率",
        "definition": "Share of the first-response deadlines due in the period (24 hours after receipt under the "
        "published service standard, or the regulation's if earlier) that were met in time: by a reply written "
        "by a person, or by the final response. " + MILESTONE_RULE,
        "definition_zh": "统计期内到期的首次响应时限（按对外公布的服务标准为受理后24小时，监管时限更早的从其规定）中，"
        "由工作人员回复或作出最终答复而按时完成的比例。" + MILESTONE_RULE_ZH,
        "unit": "percent",
        "direction": "higher",
        "calculator": "milestone_in_time",
        "params": {"milestone": "first_response"},
    },
    {
        "code": "feedback-within-48h",
        "name": "Feedback handled within 48 hours",
        "name_zh": "意见建议48小时办结率",
        "definition": "Share of the feedback received in the period whose final response went out within 48 hours "
        "of receipt. Feedback still unanswered counts (as missed) once its 48 hours are over; withdrawn and merged "
        "feedback is not counted.",
        "definition_zh": "统计期内受理的意见建议中，在受理后48小时内作出最终答复的比例。48小时已过仍未答复的计为未达标；"
        "已撤回或已合并的不计入。",
        "unit": "percent",
        "direction": "higher",
        "calculator": "received_within",
        "params": {"hours": 48, "types": ["feedback"]},
    },
    {
        "code": "resolved-within-deadline",
        "name": "Resolved within the regulatory deadline",
        "name_zh": "监管时限内办结率",
        "definition": "Share of the final-response deadlines due in the period (the regulatory deadline, with any "
        "extension granted) that were met in time. " + MILESTONE_RULE,
        "definition_zh": "统计期内到期的最终答复时限（监管时限，含已批准的延期）中按时办结的比例。" + MILESTONE_RULE_ZH,
        "unit": "percent",
        "direction": "higher",
        "calculator": "milestone_in_time",
        "params": {"milestone": "final_response"},
    },
    {
        "code": "services-meeting-standard",
        "name": "Services meeting the standard",
        "name_zh": "服务达标率",
        "definition": "Share of the cases resolved in the period on which every deadline (acknowledgement, first "
        "response, final response) was met in time.",
        "definition_zh": "统计期内办结的案件中，受理确认、首次响应和最终答复各项时限均按时完成的比例。",
        "unit": "percent",
        "direction": "higher",
        "calculator": "all_milestones_met",
        "params": {},
    },
    {
        "code": "handling-time-mean",
        "name": "Average handling time",
        "name_zh": "平均处理时长",
        "definition": "Mean time in hours from receipt to the final response, over the complaints and feedback "
        "resolved in the period (elapsed time, pauses included).",
        "definition_zh": "统计期内办结的投诉和意见建议从受理到最终答复的平均时长（小时，自然时间，含暂停期间）。",
        "unit": "hours",
        "direction": "lower",
        "calculator": "handling_time_mean",
        "params": {"types": ["complaint", "feedback"]},
    },
    {
        "code": "handling-time-p90",
        "name": "Handling time, 90th percentile",
        "name_zh": "处理时长（90分位）",
        "definition": "The handling time in hours within which 90% of the complaints and feedback resolved in the "
        "period were answered (nearest rank: the smallest time with at least 90% of the cases at or below it).",
        "definition_zh": "统计期内办结的投诉和意见建议中，90%的案件在此时长（小时）内作出最终答复（最近秩法）。",
        "unit": "hours",
        "direction": "lower",
        "calculator": "handling_time_percentile",
        "params": {"percentile": 90, "types": ["complaint", "feedback"]},
    },
    {
        "code": "backlog",
        "name": "Open backlog",
        "name_zh": "未结案件数",
        "definition": "Cases open at the end of the period (now, while the period runs): received and neither "
        "resolved nor ended by then. By month or week: the backlog at the end of each.",
        "definition_zh": "统计期末（统计期未结束时为当前）仍未办结的案件数：已受理、尚未作出最终答复或终止。按月或按周时为各期末的数量。",
        "unit": "count",
        "direction": "lower",
        "calculator": "backlog",
        "params": {},
    },
    {
        "code": "backlog-age-0-7d",
        "name": "Backlog aged under 7 days",
        "name_zh": "未结案件（7日以内）",
        "definition": "Open cases at the end of the period received less than 7 days before it. The denominator "
        "is the whole backlog.",
        "definition_zh": "统计期末未结案件中受理不足7日的数量；分母为全部未结案件。",
        "unit": "count",
        "direction": "lower",
        "calculator": "backlog",
        "params": {"max_days": 7},
    },
    {
        "code": "backlog-age-7-15d",
        "name": "Backlog aged 7 to 15 days",
        "name_zh": "未结案件（7至15日）",
        "definition": "Open cases at the end of the period received 7 to 15 days before it. The denominator is "
        "the whole backlog.",
        "definition_zh": "统计期末未结案件中受理7日以上、不足15日的数量；分母为全部未结案件。",
        "unit": "count",
        "direction": "lower",
        "calculator": "backlog",
        "params": {"min_days": 7, "max_days": 15},
    },
    {
        "code": "backlog-age-15-30d",
        "name": "Backlog aged 15 to 30 days",
        "name_zh": "未结案件（15至30日）",
        "definition": "Open cases at the end of the period received 15 to 30 days before it. The denominator is "
        "the whole backlog.",
        "definition_zh": "统计期末未结案件中受理15日以上、不足30日的数量；分母为全部未结案件。",
        "unit": "count",
        "direction": "lower",
        "calculator": "backlog",
        "params": {"min_days": 15, "max_days": 30},
    },
    {
        "code": "backlog-age-30-60d",
        "name": "Backlog aged 30 to 60 days",
        "name_zh": "未结案件（30至60日）",
        "definition": "Open cases at the end of the period received 30 to 60 days before it. The denominator is "
        "the whole backlog.",
        "definition_zh": "统计期末未结案件中受理30日以上、不足60日的数量；分母为全部未结案件。",
        "unit": "count",
        "direction": "lower",
        "calculator": "backlog",
        "params": {"min_days": 30, "max_days": 60},
    },
    {
        "code": "backlog-age-over-60d",
        "name": "Backlog aged over 60 days",
        "name_zh": "未结案件（60日以上）",
        "definition": "Open cases at the end of the period received 60 days or more before it. The denominator is "
        "the whole backlog.",
        "definition_zh": "统计期末未结案件中受理60日及以上的数量；分母为全部未结案件。",
        "unit": "count",
        "direction": "lower",
        "calculator": "backlog",
        "params": {"min_days": 60},
    },
    {
        "code": "breaches",
        "name": "Deadline breaches",
        "name_zh": "超时件数",
        "definition": "Deadlines due in the period that were missed: marked breached, or met after their due time. "
        "The denominator is the deadlines due in the period that are decided.",
        "definition_zh": "统计期内到期而未按时完成的时限数（被标记超时或逾期完成）；分母为统计期内到期且已有结果的时限数。",
        "unit": "count",
        "direction": "lower",
        "calculator": "breaches",
        "params": {},
    },
    {
        "code": "reopen-rate",
        "name": "Reopen rate",
        "name_zh": "重启率",
        "definition": "Share of the cases resolved in the period that had been reopened at least once.",
        "definition_zh": "统计期内办结的案件中曾被重新处理（重启）过的比例。",
        "unit": "percent",
        "direction": "lower",
        "calculator": "reopen_rate",
        "params": {},
    },
    {
        "code": "upheld-rate",
        "name": "Upheld rate",
        "name_zh": "投诉成立率",
        "definition": "Share of the complaints resolved in the period that were upheld in full or in part.",
        "definition_zh": "统计期内办结的投诉中，经核实全部或部分成立的比例。",
        "unit": "percent",
        "direction": "lower",
        "calculator": "upheld_rate",
        "params": {"types": ["complaint"], "outcomes": ["upheld", "partially_upheld"]},
    },
    {
        "code": "redress-paid",
        "name": "Redress paid (CNY)",
        "name_zh": "补偿赔付金额（人民币）",
        "definition": "Approved redress in CNY (refunds, compensation, fee waivers, goodwill) on the cases "
        "resolved in the period. Other currencies are not added in; copy this KPI with another currency.",
        "definition_zh": "统计期内办结案件中已批准的人民币补偿赔付金额（退款、赔偿、费用减免、慰问等）。其他币种不计入，可复制本指标并修改币种。",
        "unit": "money",
        "direction": "lower",
        "calculator": "redress_paid",
        "params": {"currency": "CNY"},
    },
    {
        "code": "complaints-received",
        "name": "Complaints received",
        "name_zh": "投诉受理量",
        "definition": "Complaints received in the period (duplicates merged into another case not counted).",
        "definition_zh": "统计期内受理的投诉件数（已合并的重复投诉不计）。",
        "unit": "count",
        "direction": "lower",
        "calculator": "case_count",
        "params": {"types": ["complaint"]},
    },
    {
        "code": "complaints-per-10k-customers",
        "name": "Complaints per 10,000 customers",
        "name_zh": "万名客户投诉量",
        "definition": "Complaints received in the period per 10,000 customers of the institution "
        "(SAFEGUARD_QUALITY_CUSTOMERS, or the customers on record when it is not set). Every group is divided by "
        "the whole customer base.",
        "definition_zh": "统计期内每万名客户的投诉受理量（客户数取SAFEGUARD_QUALITY_CUSTOMERS，未设置时为系统中的客户数）。"
        "分组时均以全部客户数为分母。",
        "unit": "rate",
        "direction": "lower",
        "calculator": "per_customers",
        "params": {"per": 10000, "types": ["complaint"]},
    },
    {
        "code": "repeat-complaints",
        "name": "Repeat complaints",
        "name_zh": "重复投诉率",
        "definition": "Share of the complaints received in the period from a customer who had complained in the "
        "90 days before.",
        "definition_zh": "统计期内受理的投诉中，客户在此前90日内已有投诉的比例。",
        "unit": "percent",
        "direction": "lower",
        "calculator": "repeat_complaints",
        "params": {"days": 90, "types": ["complaint"]},
    },
    {
        "code": "complaint-channel-share",
        "name": "Share of complaints",
        "name_zh": "投诉占比",
        "definition": "Each group's share of the complaints received in the period; grouped by channel, the "
        "channel mix. The total is 100%.",
        "definition_zh": "各分组在统计期内受理投诉中的占比；按渠道分组即为各渠道投诉占比。合计为100%。",
        "unit": "percent",
        "direction": "lower",
        "calculator": "case_share",
        "params": {"types": ["complaint"]},
    },
    {
        "code": "feedback-response-rate",
        "name": "Feedback response rate",
        "name_zh": "意见建议回复率",
        "definition": "Share of the feedback received in the period that got a response (a reply by a person or "
        "the final response), whenever it came. Withdrawn and merged feedback is not counted.",
        "definition_zh": "统计期内受理的意见建议中已得到回复（工作人员回复或最终答复）的比例。已撤回或已合并的不计入。",
        "unit": "percent",
        "direction": "higher",
        "calculator": "feedback_response_rate",
        "params": {"types": ["feedback"]},
    },
    {
        "code": "csat-satisfied",
        "name": "Customer satisfaction",
        "name_zh": "客户满意度",
        "definition": "Share of the satisfaction answers given in the period that were satisfied or very "
        "satisfied (4 or 5 on the 1–5 scale).",
        "definition_zh": "统计期内收到的满意度评价中，“满意”或“非常满意”（5分制4分及以上）的比例。",
        "unit": "percent",
        "direction": "higher",
        "calculator": "survey_share",
        "params": {"field": "csat", "min": 4},
    },
    {
        "code": "csat-mean",
        "name": "Average satisfaction score",
        "name_zh": "满意度平均分",
        "definition": "Mean satisfaction score (1–5) of the answers given in the period.",
        "definition_zh": "统计期内收到的满意度评价的平均分（1–5分）。",
        "unit": "score",
        "direction": "higher",
        "calculator": "survey_mean",
        "params": {"field": "csat"},
    },
    {
        "code": "nps",
        "name": "Net promoter score",
        "name_zh": "净推荐值",
        "definition": "Share of promoters (9–10) minus share of detractors (0–6) among the likelihood-to-recommend "
        "answers given in the period, from -100 to 100.",
        "definition_zh": "统计期内推荐意愿评价中推荐者（9–10分）占比减去贬损者（0–6分）占比，取值-100至100。",
        "unit": "score",
        "direction": "higher",
        "calculator": "nps",
        "params": {},
    },
    {
        "code": "effort-mean",
        "name": "Customer effort",
        "name_zh": "客户费力度",
        "definition": "Mean customer effort score (1–7, how much effort getting the matter handled took; lower is "
        "easier) of the answers given in the period.",
        "definition_zh": "统计期内客户费力度评价的平均分（1–7分，分数越低越省力）。",
        "unit": "score",
        "direction": "lower",
        "calculator": "survey_mean",
        "params": {"field": "effort"},
    },
    {
        "code": "survey-response-rate",
        "name": "Survey response rate",
        "name_zh": "调查回复率",
        "definition": "Share of the survey invitations sent in the period that have been answered.",
        "definition_zh": "统计期内发出的满意度调查邀请中已回复的比例。",
        "unit": "percent",
        "direction": "higher",
        "calculator": "survey_response_rate",
        "params": {},
    },
]


def ship(apps, schema_editor):
    kpi_model = apps.get_model("quality", "Kpi")
    existing = set(kpi_model.objects.values_list("code", flat=True))
    kpi_model.objects.bulk_create(
        kpi_model(order=10 * (i + 1), **data) for i, data in enumerate(KPIS) if data["code"] not in existing
    )


def unship(apps, schema_editor):
    kpi_model = apps.get_model("quality", "Kpi")
    kpi_model.objects.filter(code__in=[k["code"] for k in KPIS], targets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0001_initial"),
    ]

    operations = [migrations.RunPython(ship, unship)]
