"""Framework-light helpers shared by every app: domain errors, masking, money, time.

Imports nothing from other Safeguard apps.
"""
