"""The exceptions HookFlo raises on purpose, split by who has to act.

``UserFacingError`` and its subclasses carry a message written for a person;
the command line prints it as one line and the GUI as a dialog. Anything else
that escapes is a bug and is reported with its traceback.
"""


class HookfloError(Exception):
    """Base of every exception HookFlo raises on purpose."""


class UserFacingError(HookfloError):
    """A problem of the environment or of the input, explained to the user."""


class ConfigError(UserFacingError):
    """The configuration file is missing a value or holds a wrong one."""


class SecretFormatError(UserFacingError):
    """A signing secret is not a well-formed Svix secret."""


class KeyringUnavailableError(UserFacingError):
    """The OS keyring cannot be read or written right now."""


class StoreError(UserFacingError):
    """The event store cannot be opened or written."""


class AlreadyRunningError(UserFacingError):
    """Another copy of HookFlo runs on the same home (data directory)."""
