"""The report runner: report kinds declared by the apps (``reports.py``), built as the requesting user in a
background job, kept on the job as data and drawn as a Word document, a workbook and a print view."""
