"""estate: find the riskiest legacy technology in a government estate and say what to fix first."""

__version__ = "0.1.0"
"""The package's version (the project's metadata reads it from here): part of every kept
ranking's fingerprint. A literal rather than read from the installed metadata, whose reader
costs every command a twentieth of a second to import."""
