"""Operational drills: load, faults, backup and restore against a real stack on loopback (``python -m drills``)."""
