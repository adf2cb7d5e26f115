"""Default slack templates."""
