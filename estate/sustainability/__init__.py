"""Energy and carbon: what each system uses and emits a year, estimated from its running facts
with published reference figures, and what each move would save (docs/sustainability.md)."""
