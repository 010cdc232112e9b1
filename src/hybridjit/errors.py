"""The exception family: everything hybridjit raises on bad input derives from `Error`."""

from __future__ import annotations


class Error(Exception):
    """Base of every error hybridjit raises about its input."""


class IRParseError(Error):
    """Malformed graph text; the message names line and column."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(f"line {line}, column {col}: {message}")
        self.line = line
        self.col = col


class VerificationError(Error):
    """A graph breaks an IR invariant; the message names the node and what was expected."""


class SchemaError(Error):
    """No operator overload matches the arguments (or the operator does not exist)."""


class ArgumentError(Error, TypeError):
    """A compiled function was called with the wrong number, names or types of arguments."""


class FrontendError(Error, RuntimeError):
    """A compile error in code being scripted or traced, with the source line. Also a
    RuntimeError, as torch.jit's compile errors are: `except RuntimeError` keeps working."""


class TracingCheckError(Error):
    """`check_trace` found that re-tracing diverges from the first trace."""


class ArchiveError(Error):
    """A saved archive is malformed, hostile, or from a newer format version."""


class ExportError(Error):
    """A program cannot be exported (e.g. to ONNX); names the construct and source line."""


class TracerWarning(UserWarning):
    """A trace baked in a value that may differ on other inputs."""
