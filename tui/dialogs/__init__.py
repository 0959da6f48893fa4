"""Modal dialogs: import a return, export the ranking, help."""
