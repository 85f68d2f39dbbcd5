"""The exclusion constraint that makes a double booking impossible on PostgreSQL, and a no-op elsewhere.

It lives in venues.constraints (venues needs it too, for one show per stage, and may not import
bookings); this name stays because bookings' migrations refer to it.
"""

from venues.constraints import PostgresExclusionConstraint

__all__ = ["PostgresExclusionConstraint"]
