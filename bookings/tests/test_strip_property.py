"""The strip's arithmetic against a brute-force minute grid: a start fits exactly when no busy minute
lies between its load-in and the end of its pack-down, whatever the busy time, padding and length."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.selectors.strip import _Busy, _fits

T0 = dt.datetime(2030, 3, 30, tzinfo=dt.UTC)  # across the spring clock change in Europe
SPAN = 48 * 60

minutes = st.integers(min_value=0, max_value=SPAN)
intervals = st.lists(
    st.tuples(minutes, st.integers(min_value=1, max_value=8 * 60)).map(lambda t: (t[0], min(SPAN + 600, t[0] + t[1]))),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    busy=intervals,
    start=minutes,
    length=st.integers(min_value=15, max_value=6 * 60),
    load_in=st.integers(min_value=0, max_value=180),
    pack_down=st.integers(min_value=0, max_value=120),
)
def test_fits_matches_the_minute_grid(busy, start, length, load_in, pack_down):
    taken = set()
    for a, b in busy:
        taken.update(range(a, b))
    expected = not any(m in taken for m in range(start - load_in, start + length + pack_down))
    at = T0 + dt.timedelta(minutes=start)
    as_intervals = [(T0 + dt.timedelta(minutes=a), T0 + dt.timedelta(minutes=b)) for a, b in busy]
    pad = (dt.timedelta(minutes=load_in), dt.timedelta(minutes=pack_down))
    assert _fits(at, dt.timedelta(minutes=length), _Busy(as_intervals), pad) == expected
