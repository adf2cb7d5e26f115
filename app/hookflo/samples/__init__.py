"""Clerk-shaped sample bodies (fake data) shipped as package data."""
