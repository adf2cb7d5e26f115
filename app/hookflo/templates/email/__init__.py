"""Default email templates."""
