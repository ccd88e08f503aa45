"""Errors that reach the user as one clear line (the CLI prints them and exits with code 2)."""


class GanforgeError(Exception):
    """Base class: the message is complete and names the field or file at fault."""


class ConfigError(GanforgeError):
    """A config value is missing, of the wrong type, out of range or unknown."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class DataError(GanforgeError):
    """A data file or folder is missing, empty, corrupt or in an unexpected format."""

    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


class CheckpointError(GanforgeError):
    """A checkpoint is missing, unreadable, unsafe or does not match the config."""


def short_repr(value, limit: int = 80) -> str:
    """repr(value) cut to `limit` characters, so an error about a huge value stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
