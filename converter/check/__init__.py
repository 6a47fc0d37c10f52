"""The rule runner and its checkers: every rule declared in `format.RULES` has one; findings are data.
Uses `read`, `core` and `format`."""

# Every report rule's checker registered, whichever module of the wing is imported first: the runner
# (rules) and the evaluators' rules (C, Q, D2, P; P2 in copying.BATCH).
from . import copying, rules, structure, substance, timeliness  # noqa: F401
