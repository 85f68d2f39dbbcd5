"""A booked gig's own life for the band and the venue: the day sheet's details and its advancing checklist."""
