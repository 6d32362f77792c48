"""The annual assessment: schemes, indicator trees, the scoring-rule engine (``rules``), results."""
