"""Tables of the bookings app."""
