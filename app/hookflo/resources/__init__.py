"""Files HookFlo ships beside its code: the application icon."""
