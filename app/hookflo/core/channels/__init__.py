"""Where alerts go: the desktop, Slack and email, behind one small interface."""
