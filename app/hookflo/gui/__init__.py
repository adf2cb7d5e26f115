"""The tray app (PySide6 + qasync): everything Qt lives under this package."""
