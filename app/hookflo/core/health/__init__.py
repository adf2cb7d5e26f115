"""Endpoint health: is Clerk reaching HookFlo, and what to do when it is not.

Qt-free: ``hookflo status``, the tray and the window show the same facts.
"""
