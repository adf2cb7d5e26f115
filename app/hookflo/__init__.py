"""HookFlo: Clerk webhooks verified, stored and shown the second they arrive."""

from importlib import metadata

try:
    __version__ = metadata.version("hookflo")
except metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"
