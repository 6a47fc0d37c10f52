"""`python -m converter` runs the xxgk command."""

from .cli import run

run()
