"""Passwords, tokens, login throttling and role permissions."""
