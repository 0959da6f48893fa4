"""The estate terminal UI: architects browse, rank, explain and explore the estate."""
