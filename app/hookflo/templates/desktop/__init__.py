"""Default desktop templates."""
