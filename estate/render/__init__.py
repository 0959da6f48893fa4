"""Rich renderings for the terminal: a system and its scores (`system`), an import's result
(`import_result`), and the columns of a table that never break (`whole_columns`)."""
