"""The hybridjit release, recorded in archives and exported models."""

__version__ = "0.1.0"
