"""Staff users, roles, departments and branches, MFA and API tokens.

Roles are Django groups carrying permissions (see ``roles.py``). May import
``core`` and ``audit``.
"""
