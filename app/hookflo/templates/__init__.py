"""The default alert templates, one folder per channel (see alerting.templates)."""
