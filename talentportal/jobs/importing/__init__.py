"""The Excel roster import engine: one loop for every kind, declared by each app's ``imports.py``."""
