"""Import and export: the program workbook (xlsx) in, and xlsx, csv, ics and json backups out."""
