"""The rule runner and its checkers: every rule declared in `format.RULES` has one; findings are data.
Uses `read`, `core` and `format`."""
