"""The engine against a brute-force oracle: one week, minute by minute, random bands and rules.

The oracle has its own occurrence generator (a walk over local dates) and marks busy minutes in a
bitset per member (bit i = minute i of the week). It uses no engine function, not even `expand`.
"""

import itertools
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from availability.engine import Recurrence, day_statuses, expand, find_windows, green_zone, sweep

MINUTE = timedelta(minutes=1)
WEEK_MINUTES = 7 * 24 * 60
ALL = (1 << WEEK_MINUTES) - 1
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Australia/Lord_Howe", "UTC"]
# Weeks with DST changes (US 14 Mar / 7 Nov, EU 28 Mar / 31 Oct, Sydney and Lord Howe 4 Apr / 3 Oct
# 2027) and one quiet week, each with the zones that change in it.
WEEKS = {
    datetime(2027, 3, 10, tzinfo=UTC): ["America/New_York"],
    datetime(2027, 3, 25, tzinfo=UTC): ["Europe/Berlin"],
    datetime(2027, 4, 1, 13, tzinfo=UTC): ["Australia/Sydney", "Australia/Lord_Howe"],
    datetime(2027, 9, 30, tzinfo=UTC): ["Australia/Sydney", "Australia/Lord_Howe"],
    datetime(2027, 10, 28, tzinfo=UTC): ["Europe/Berlin"],
    datetime(2027, 11, 4, tzinfo=UTC): ["America/New_York"],
    datetime(2027, 6, 14, tzinfo=UTC): [],
}
# Wall-clock times around the changes (gaps and repeated hours), drawn often.
NIGHT_TIMES = [time(0), time(1), time(1, 30), time(1, 45), time(2), time(2, 15), time(2, 30), time(3)]
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Rule:
    """What the oracle knows about a rule; it is turned into a Recurrence for the engine."""

    kind: str  # once | daily | weekly
    zone: str
    first: datetime  # naive local start of the first occurrence
    minutes: int  # wall-clock length, or whole days for all_day
    all_day: bool
    interval: int
    weekdays: tuple[int, ...]
    count: int | None
    until: date | None
    exdates: frozenset[date]

    def recurrence(self) -> Recurrence:
        length = timedelta(days=self.minutes) if self.all_day else timedelta(minutes=self.minutes)
        parts = []
        if self.kind != "once":
            parts.append(f"FREQ={self.kind.upper()}")
            if self.interval > 1:
                parts.append(f"INTERVAL={self.interval}")
            if self.count is not None:
                parts.append(f"COUNT={self.count}")
            if self.until is not None:
                parts.append(f"UNTIL={self.until:%Y%m%d}")
            if self.kind == "weekly":
                parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in self.weekdays))
        return Recurrence(self.first, self.first + length, self.zone, ";".join(parts), self.exdates, self.all_day)


# ---- The oracle -----------------------------------------------------------------------------------


def oracle_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def oracle_skipped(wall: datetime, zone: ZoneInfo) -> bool:
    # In a spring-forward gap the offset after the change (fold=1) is larger than the one before.
    return wall.replace(tzinfo=zone, fold=1).utcoffset() > wall.replace(tzinfo=zone, fold=0).utcoffset()


def oracle_matches(rule: Rule, day: date) -> bool:
    start_day = rule.first.date()
    if rule.kind == "daily":
        return (day - start_day).days % rule.interval == 0
    start_monday = start_day - timedelta(days=start_day.weekday())
    monday = day - timedelta(days=day.weekday())
    return day.weekday() in rule.weekdays and (monday - start_monday).days // 7 % rule.interval == 0


def oracle_starts(rule: Rule, first_day: date, last_day: date) -> list[datetime]:
    """Naive local starts whose date is in [first_day, last_day], the rule walked one date at a time."""
    if rule.kind == "once":
        return [rule.first] if rule.first.date() not in rule.exdates else []
    out = []
    day = rule.first.date() if rule.count is not None else max(rule.first.date(), first_day)
    counted = 0
    zone = ZoneInfo(rule.zone)
    while day <= last_day:
        if rule.until is not None and day > rule.until:
            break
        if oracle_matches(rule, day):
            wall = datetime.combine(day, rule.first.time())
            if rule.all_day or not oracle_skipped(wall, zone):
                counted += 1  # skipped starts are not part of the set, exdated ones are
            if rule.count is not None and counted > rule.count:
                break
            if day >= first_day and day not in rule.exdates:
                out.append(datetime.combine(day, rule.first.time()))
        day += timedelta(days=1)
    return out


def oracle_busy(rules: list[Rule], week_start: datetime) -> int:
    """Bit i set when the member is busy during minute i of the week."""
    busy = 0
    for rule in rules:
        zone = ZoneInfo(rule.zone)
        first_day = (week_start - timedelta(days=4)).date()
        last_day = (week_start + timedelta(days=9)).date()
        for wall in oracle_starts(rule, first_day, last_day):
            if rule.all_day:
                start = oracle_utc(wall, zone)
                end = oracle_utc(wall + timedelta(days=rule.minutes), zone)
            else:
                if rule.kind != "once" and oracle_skipped(wall, zone):
                    continue
                start = oracle_utc(wall, zone)
                end = oracle_utc(wall + timedelta(minutes=rule.minutes), zone)
            lo = max(0, (start - week_start) // MINUTE)
            hi = min(WEEK_MINUTES, (end - week_start) // MINUTE)
            if lo < hi:
                busy |= ((1 << (hi - lo)) - 1) << lo
    return busy


def runs_of_ones(bits: int) -> list[tuple[int, int]]:
    text = format(bits, f"0{WEEK_MINUTES}b")[::-1]
    return [(m.start(), m.end()) for m in re.finditer("1+", text)]


def startable(free: int, length: int) -> int:
    """Bit t set when all of minutes t … t + length - 1 are free."""
    acc, width = free, 1
    while width * 2 <= length:
        acc &= acc >> width
        width *= 2
    return acc & (acc >> (length - width))


def in_range(bits: int, lo: int, hi: int) -> int:
    return (bits >> lo) & ((1 << (hi - lo)) - 1)


# ---- Day statuses --------------------------------------------------------------------------------------

# (day_start, day_end) for day_statuses; None is the whole local day.
DAY_HOURS = [None, (time(18), time(2)), (time(2, 30), time(9))]


def oracle_range(day: date, hours: tuple[time, time] | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The hours of a local day as UTC moments: the day itself, or from day_start to day_end (next day when earlier)."""
    opens, closes = hours or (time(0), time(0))
    close_day = day + timedelta(days=1) if closes <= opens else day
    return oracle_utc(datetime.combine(day, opens), zone), oracle_utc(datetime.combine(close_day, closes), zone)


def check_day_statuses(busy, busy_bits, required, week_start, view_zone, hours) -> None:
    length = 180
    zone = ZoneInfo(view_zone)
    week_end = week_start + timedelta(minutes=WEEK_MINUTES)

    def minutes(moment: datetime) -> int:
        return (moment - week_start) // MINUTE

    # Minutes inside some day's hours: outside them everyone counts as busy.
    allowed = 0
    days = []
    day = (week_start - timedelta(days=2)).astimezone(zone).date()
    while day <= week_end.astimezone(zone).date():
        lo, hi = (minutes(moment) for moment in oracle_range(day, hours, zone))
        if max(lo, 0) < min(hi, WEEK_MINUTES):
            allowed |= ((1 << (min(hi, WEEK_MINUTES) - max(lo, 0))) - 1) << max(lo, 0)
        if lo >= 0 and max(lo, hi) + length <= WEEK_MINUTES:
            days.append((day, lo, max(lo, hi)))
        day += timedelta(days=1)
    statuses = day_statuses(
        busy,
        required,
        days[0][0],
        days[-1][0],
        view_zone,
        min_length=length * MINUTE,
        day_start=hours and hours[0],
        day_end=hours and hours[1],
    )
    can_start = {name: startable(allowed & ~busy_bits[name], length) for name in required}
    all_start = ALL
    for name in required:
        all_start &= can_start[name]
    assert [s.day for s in statuses] == [d for d, _, _ in days]
    for status, (_, lo, hi) in zip(statuses, days, strict=True):
        assert status.required_count == len(required)
        if not required:
            assert status.status == "green"
            continue
        # The oracle's best: the largest group whose members can all start at one minute of the day's hours.
        best = 0
        for subset in range(1, 1 << len(required)):
            together = ALL
            for bit, name in enumerate(required):
                if subset >> bit & 1:
                    together &= can_start[name]
            if in_range(together, lo, hi):
                best = max(best, subset.bit_count())
        assert status.free_count == best
        assert status.status == ("green" if best == len(required) else "partial" if best else "red")
        chosen = [name for name in required if name not in status.busy]
        assert len(chosen) == best
        together = ALL
        for name in chosen:
            together &= can_start[name]
        assert best == 0 or in_range(together, lo, hi)
        expected_windows = [
            (max(s, lo), min(e + length - 1, hi)) for s, e in runs_of_ones(all_start) if s < hi and e > lo
        ]
        assert [(minutes(s), minutes(e)) for s, e in status.windows] == expected_windows


# ---- Random bands ------------------------------------------------------------------------------------


def make_rule(seed: int, week_start: datetime) -> Rule:
    """A random rule near `week_start`. One seed per rule keeps Hypothesis's draws (its cost) few."""
    rnd = random.Random(seed)
    kind = rnd.choice(["once", "once", "daily", "weekly", "weekly"])
    zone = rnd.choice(ZONES + 3 * WEEKS[week_start])
    all_day = kind != "daily" and rnd.random() < 0.3
    count = until = None
    if kind == "once":
        back = rnd.randint(-2, 8)
    else:
        ending = rnd.choice(["none", "none", "count", "until"])
        back = rnd.randint(0, 60) if ending == "count" else rnd.choice([0, 3, 30, 400, 7300])
        if ending == "count":
            count = rnd.randint(1, 40)
        elif ending == "until":
            until = week_start.date() + timedelta(days=rnd.randint(-2, 8))
    first_day = week_start.date() - timedelta(days=back)
    if all_day:
        clock = time(0)
    elif rnd.random() < 0.5:
        clock = rnd.choice(NIGHT_TIMES)
    else:
        clock = time(*divmod(rnd.randrange(96) * 15, 60))
    return Rule(
        kind=kind,
        zone=zone,
        first=datetime.combine(first_day, clock),
        minutes=rnd.randint(1, 3) if all_day else rnd.choice([15, 45, 60, 150, 180, 240, 480, 1500]),
        all_day=all_day,
        interval=rnd.randint(1, 3) if kind != "once" else 1,
        weekdays=tuple(sorted(rnd.sample(range(7), rnd.randint(1, 7)))) if kind == "weekly" else (),
        count=count,
        until=until,
        exdates=frozenset(week_start.date() + timedelta(days=rnd.randint(-1, 7)) for _ in range(rnd.randint(0, 2))),
    )


@st.composite
def bands(draw: st.DrawFn) -> tuple[datetime, dict[str, list[Rule]], list[str], list[str], str]:
    week_start = draw(st.sampled_from(list(WEEKS)))
    size = draw(st.integers(2, 8))
    seeds = st.lists(st.integers(0, 2**32 - 1), max_size=4)
    members = {f"m{i}": [make_rule(seed, week_start) for seed in draw(seeds)] for i in range(size)}
    roles = {name: draw(st.sampled_from(["required", "required", "optional", "neither"])) for name in members}
    required = [name for name, role in roles.items() if role == "required"]
    optional = [name for name, role in roles.items() if role == "optional"]
    return week_start, members, required, optional, draw(st.sampled_from(ZONES))


@settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(bands())
def test_engine_agrees_with_the_minute_by_minute_oracle(band):
    week_start, members, required, optional, view_zone = band
    week_end = week_start + timedelta(minutes=WEEK_MINUTES)
    busy_bits = {name: oracle_busy(member_rules, week_start) for name, member_rules in members.items()}
    busy = {
        name: [iv for rule in member_rules for iv in expand(rule.recurrence(), week_start, week_end)]
        for name, member_rules in members.items()
    }

    def minutes(moment: datetime) -> int:
        offset = moment - week_start
        assert offset % MINUTE == timedelta(0)
        return offset // MINUTE

    # Sweep: segments cover the week, neighbours differ, and each person is wholly free or wholly busy.
    segments = sweep(busy, week_start, week_end)
    assert segments[0].start == week_start
    assert segments[-1].end == week_end
    for before, after in itertools.pairwise(segments):
        assert before.end == after.start
        assert before.free != after.free
    for segment in segments:
        lo, hi = minutes(segment.start), minutes(segment.end)
        for name, bits in busy_bits.items():
            assert in_range(bits, lo, hi) == (0 if name in segment.free else (1 << (hi - lo)) - 1)

    # Green zone: runs of minutes where every required member is free.
    required_busy = 0
    for name in required:
        required_busy |= busy_bits[name]
    free_runs = runs_of_ones(ALL & ~required_busy)
    for length in (1, 180):
        expected = [(lo, hi) for lo, hi in free_runs if hi - lo >= length]
        got = green_zone(busy, required, week_start, week_end, min_length=length * MINUTE)
        assert [(minutes(s), minutes(e)) for s, e in got] == expected

    # Day statuses for whole local days, evenings past midnight and mornings around the DST changes, for the
    # days whose range and three-hour look-ahead stay inside the week.
    for hours in DAY_HOURS:
        check_day_statuses(busy, busy_bits, required, week_start, view_zone, hours)

    # Candidate windows on evenings of some weekdays: each is right about who is free, and every
    # stretch where all required are free for three hours shows up whole.
    length = 180
    zone = ZoneInfo(view_zone)
    weekdays = sorted({(week_start.date() + timedelta(days=k)).weekday() for k in (0, 2, 4)})
    candidates = find_windows(
        busy,
        required,
        optional,
        week_start,
        week_end,
        view_zone,
        min_length=length * MINUTE,
        day_start=time(18),
        day_end=time(2),
        weekdays=weekdays,
        limit=10_000,
    )
    allowed = 0
    day = (week_start - timedelta(days=1)).astimezone(zone).date()
    while day <= week_end.astimezone(zone).date():
        if day.weekday() in weekdays:
            lo = minutes(oracle_utc(datetime.combine(day, time(18)), zone))
            hi = minutes(oracle_utc(datetime.combine(day + timedelta(days=1), time(2)), zone))
            lo, hi = max(lo, 0), min(hi, WEEK_MINUTES)
            if lo < hi:
                allowed |= ((1 << (hi - lo)) - 1) << lo
        day += timedelta(days=1)
    spans = set()
    for candidate in candidates:
        lo, hi = minutes(candidate.start), minutes(candidate.end)
        assert hi - lo >= length
        assert in_range(allowed, lo, hi) == (1 << (hi - lo)) - 1
        free = {name for name in [*required, *optional] if in_range(busy_bits[name], lo, hi) == 0}
        assert set(required) <= free
        assert candidate.free == free
        assert candidate.missing_optional == set(optional) - free
        spans.add((lo, hi))
    for lo, hi in runs_of_ones(allowed & ~required_busy):
        if hi - lo >= length:
            assert (lo, hi) in spans
    ranks = [(-len(c.free - set(required)), c.start - c.end, c.start) for c in candidates]
    assert ranks == sorted(ranks)
