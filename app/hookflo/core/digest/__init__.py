"""Daily and weekly signup digests: settings, periods, counts and sending."""
