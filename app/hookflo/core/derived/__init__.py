"""Named account changes HookFlo reads out of Clerk's ``user.updated`` events.

Qt-free; runs inside the event writer's transaction under ``hookflo serve``.
"""
