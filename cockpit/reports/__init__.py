"""The reports that read every registry: the annual report and its workbook, and the quarterly form."""

from . import annual, quarterly  # noqa: F401  (each registers its kinds)
