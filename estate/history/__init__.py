"""Quarter on quarter: what each import replaced, the estate as it stood at the end of any
reporting period, and what changed between periods."""
