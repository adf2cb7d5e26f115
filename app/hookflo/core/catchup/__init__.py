"""Catch-up after time offline: what HookFlo missed while it was not listening.

Qt-free; runs under ``hookflo serve`` and the tray app alike, off the
receiver's path.
"""
