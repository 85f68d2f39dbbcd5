"""Tables of the availability app."""
