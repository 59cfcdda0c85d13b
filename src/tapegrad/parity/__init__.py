"""`python -m tapegrad.parity`: the seed programs through the parity harness, per area."""
