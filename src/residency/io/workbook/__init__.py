"""Import a program's Excel workbook: read (``stage_workbook``) → staging report → write (``apply_staging``)."""

from residency.io.workbook.apply import IMPORT_PREFIX, ApplyResult, apply_staging
from residency.io.workbook.reader import stage_workbook
from residency.io.workbook.staging import Item, Staging, WorkbookError

__all__ = ["IMPORT_PREFIX", "ApplyResult", "Item", "Staging", "WorkbookError", "apply_staging", "stage_workbook"]
