"""The vocabulary of the product: plain, immutable Python objects with no I/O."""
