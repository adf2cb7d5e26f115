"""The settings dialog: sources, channels, routing, templates, tunnel, general."""
