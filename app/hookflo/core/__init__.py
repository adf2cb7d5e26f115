"""HookFlo's core: receive, verify, store and list webhook events.

NOTE: nothing under ``hookflo.core`` may import Qt; it runs under
``hookflo serve`` on machines without a display. import-linter checks this.
"""
