"""Several dashboard processes behind one address (python -m serve)."""
