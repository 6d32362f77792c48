"""The assessment results workbook of a scheme."""
