"""Cases: complaints, feedback, inquiries and compliments; their lifecycle, timeline,
messages, milestones, resolution and redress.

May import ``core``, ``audit``, ``accounts``, ``customers`` and ``deadlines``.
"""
