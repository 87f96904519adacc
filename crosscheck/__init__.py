"""crosscheck: hand-derived gradients checked against independent oracles."""
