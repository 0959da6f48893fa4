"""estate: find the riskiest legacy technology in a government estate and say what to fix first."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("estate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
