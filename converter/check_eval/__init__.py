"""The rules evaluators score beyond arithmetic: completeness (C), substance (Q), timeliness (D2) and
copying (P), registered in the one registry (checks.REGISTRY; P2 in BATCH), and scoring profiles."""

from . import copying, structure, substance, timeliness  # noqa: F401  (registration)
