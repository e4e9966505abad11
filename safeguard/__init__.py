"""Safeguard: complaint management and customer protection for financial institutions."""
