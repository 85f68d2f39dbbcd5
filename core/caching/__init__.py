"""The cache that fails open, and change stamps."""
