"""Content Safeguard ships: the default response templates (both languages).

Called from data migrations with the historical models, so it only uses ``apps.get_model``.
Administrators edit the templates afterwards; re-running never overwrites their edits.
"""

from __future__ import annotations

from typing import Any

# (code, language, title, subject, body, case_type). A template is plain text the handler edits
# before sending: it has no placeholders and names no customer data. Each code exists in both
# languages; an empty case type offers it for every type.
RESPONSE_TEMPLATES: list[tuple[str, str, str, str, str, str]] = [
    (
        "acknowledgement",
        "en",
        "Acknowledgement and next steps",
        "We have received your complaint",
        """Dear customer,

Thank you for contacting us. We have received your complaint and recorded it under the reference shown above; please quote it whenever you contact us about this matter.

A member of our complaints team is now looking into what happened. We will contact you if we need any further information, and we will send you our response within the time limits we have told you about. If you have anything to add in the meantime, simply reply to this message.

Kind regards,
Customer Complaints Team""",
        "",
    ),
    (
        "acknowledgement",
        "zh-hans",
        "受理确认及后续安排",
        "您的投诉已受理",
        """尊敬的客户：

感谢您与我们联系。您的投诉已受理，编号见上方。今后就此事与我们联系时，请提供该编号。

我们的投诉处理人员正在了解相关情况。如需您补充材料，我们会及时与您联系，并将在告知您的时限内给予答复。在此期间如有补充，您可直接回复本消息。

此致
敬礼！

客户投诉处理团队""",
        "",
    ),
    (
        "request-information",
        "en",
        "Request for information",
        "We need some more information",
        """Dear customer,

Thank you for your patience while we look into your complaint. To complete our investigation, we need the following from you:

-
-

You can reply to this message and attach the documents, or bring them to any of our branches. Please send them as soon as you can: until we receive them we may not be able to finish our review. If anything is unclear, or you have difficulty providing these documents, please let us know and we will help.

Kind regards,
Customer Complaints Team""",
        "",
    ),
    (
        "request-information",
        "zh-hans",
        "请求补充材料",
        "请您补充相关材料",
        """尊敬的客户：

感谢您耐心等待。为完成对您投诉的调查，我们需要您提供以下材料：

-
-

您可直接回复本消息并上传材料，也可携带材料前往我行任一网点办理。请您尽快提供；在收到材料之前，我们可能无法完成核实工作。如有疑问或提供材料存在困难，请告诉我们，我们将为您提供协助。

此致
敬礼！

客户投诉处理团队""",
        "",
    ),
    (
        "holding-reply",
        "en",
        "Holding reply: investigation ongoing",
        "An update on your complaint",
        """Dear customer,

We are writing to let you know that we are still investigating your complaint. We want to give you a full and fair answer, and this is taking longer than we hoped because

We expect to send you our final response by                . If anything changes, we will tell you straight away.

We are sorry for the wait and thank you for your patience. If you have any questions in the meantime, please reply to this message.

Kind regards,
Customer Complaints Team""",
        "",
    ),
    (
        "holding-reply",
        "zh-hans",
        "进度告知：调查处理中",
        "关于您投诉的处理进度",
        """尊敬的客户：

现告知您，我们仍在对您的投诉进行调查处理。为给您一个全面、公正的答复，所需时间较预期更长，原因是：

我们预计将于          前向您作出最终答复。如有变化，我们会第一时间告知您。

让您久等了，敬请谅解，感谢您的耐心。期间如有任何疑问，欢迎直接回复本消息。

此致
敬礼！

客户投诉处理团队""",
        "",
    ),
    (
        "apology",
        "en",
        "Apology",
        "Our apology",
        """Dear customer,

Thank you for telling us about your experience. We are sorry that

This is not the standard of service you should expect from us. We have looked into what went wrong and we are taking steps so that it does not happen again.

Thank you for bringing this to our attention. If there is anything more we can do, please reply to this message.

Kind regards,
Customer Complaints Team""",
        "",
    ),
    (
        "apology",
        "zh-hans",
        "致歉",
        "向您致歉",
        """尊敬的客户：

感谢您向我们反映您的遭遇。对于

我们深表歉意。这没有达到您应当享有的服务水平。我们已查明问题原因，并正在采取整改措施，避免类似情况再次发生。

感谢您的监督与反馈。如还有需要我们协助之处，请直接回复本消息。

此致
敬礼！

客户投诉处理团队""",
        "",
    ),
    (
        "decision-upheld",
        "en",
        "Final response: complaint upheld",
        "Our final response to your complaint",
        """Dear customer,

We have now completed our investigation of your complaint, and this letter is our final response.

What you told us:

What we found:

Our decision: we have upheld your complaint. We are sorry for what happened and for the trouble it has caused you.

To put things right, we will:

We will complete this by                . We have also reviewed how this happened and are making changes to prevent it happening again.

If you are not satisfied with our response, you can ask us to review our decision, or seek help from an independent mediation organisation, the financial regulator, arbitration or the courts.

Kind regards,
Customer Complaints Team""",
        "complaint",
    ),
    (
        "decision-upheld",
        "zh-hans",
        "最终答复：投诉成立",
        "关于您投诉的最终答复",
        """尊敬的客户：

我们已完成对您投诉的调查处理，现向您作出最终答复。

您反映的情况：

我们查明的情况：

处理结果：经核实，您的投诉成立。对于给您带来的不便，我们深表歉意。

我们将采取以下补救措施：

上述措施将于          前完成。同时，我们已对问题原因进行检视，并正在落实整改，防止类似情况再次发生。

如您对本答复有异议，可以向我们申请核查，也可以依法通过调解组织调解、向金融监管部门反映，或通过仲裁、诉讼等途径解决。

此致
敬礼！

客户投诉处理团队""",
        "complaint",
    ),
    (
        "decision-not-upheld",
        "en",
        "Final response: complaint not upheld",
        "Our final response to your complaint",
        """Dear customer,

We have now completed our investigation of your complaint, and this letter is our final response.

What you told us:

What we found:

Our decision: after careful consideration, we have not upheld your complaint, because

We understand this is not the answer you were hoping for, and we are sorry for any disappointment.

If you do not agree with our decision, you can ask us to review it, and you may provide any further information you would like us to consider. You can also seek help from an independent mediation organisation, contact the financial regulator, or go to arbitration or the courts as the law allows.

Kind regards,
Customer Complaints Team""",
        "complaint",
    ),
    (
        "decision-not-upheld",
        "zh-hans",
        "最终答复：投诉不成立",
        "关于您投诉的最终答复",
        """尊敬的客户：

我们已完成对您投诉的调查处理，现向您作出最终答复。

您反映的情况：

我们查明的情况：

处理结果：经认真核实，您的投诉不成立，理由如下：

我们理解这一结果可能与您的期望不符，敬请谅解。

如您对本答复有异议，可以向我们申请核查，并可提供您希望我们考虑的补充材料；您也可以依法通过调解组织调解、向金融监管部门反映，或通过仲裁、诉讼等途径解决。

此致
敬礼！

客户投诉处理团队""",
        "complaint",
    ),
]


def seed_response_templates(apps: Any, schema_editor: Any) -> None:
    template = apps.get_model("cases", "ResponseTemplate")
    for code, language, title, subject, body, case_type in RESPONSE_TEMPLATES:
        template.objects.get_or_create(
            code=code,
            language=language,
            defaults={"title": title, "subject": subject, "body": body, "case_type": case_type},
        )
