"""`hybridjit.script(cls)`: see `classes.py`."""

from hybridjit.frontend.script.classes import script_class

__all__ = ["script_class"]
