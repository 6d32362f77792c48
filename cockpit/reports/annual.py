"""The annual talent development report (.docx) and its statistics workbook (.xlsx)."""
