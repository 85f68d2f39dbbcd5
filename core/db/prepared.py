"""Reads made on every signed-in request – the session's row and the person's row – with their SQL
compiled once per thread and database instead of on each request.

Django builds and compiles a query's SQL on every call, and for a one-row read by key that costs
several times more than the database takes to answer. A PreparedRead compiles its query once (with
the first call's values), checks that the values it binds itself are the ones Django bound, and from
then on only binds the values, runs the SQL through the connection's own cursor (so query counts,
transactions and the debug log see it as any other) and applies Django's own converters to the row.
Anything it cannot vouch for (another query shape, a value Django would refuse) goes the ORM's way.
"""

import copy
import datetime as dt
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import DateTimeField, Model, QuerySet

_local = threading.local()
_reads: "weakref.WeakSet[PreparedRead]" = weakref.WeakSet()  # every read made, for thread_warm_up()


class PreparedRead:
    """Rows of `model` matching exact-or-compared `lookups` ("field" or "field__gt"), as model instances
    (every concrete field) or, with `values`, as tuples of those fields."""

    def __init__(self, model: type[Model], lookups: Sequence[str], *, values: Sequence[str] = ()) -> None:
        # Calls pass values in the order of `lookups`; Q sorts keyword lookups, so the WHERE clause
        # binds them in sorted order.
        self.model = model
        self.given = tuple(lookups)
        self.lookups = tuple(sorted(lookups))
        self.values = tuple(values)
        self.fields = [
            model._meta.pk if name == "pk" else model._meta.get_field(name)
            for name in (lookup.split("__")[0] for lookup in self.lookups)
        ]
        _reads.add(self)

    def queryset(self, alias: str, bound: dict[str, Any]) -> QuerySet:
        queryset = self.model._base_manager.using(alias).filter(**bound)
        return queryset.values_list(*self.values) if self.values else queryset

    def _bind(self, connection, bound: dict[str, Any]) -> list[Any]:
        return [
            field.get_db_prep_value(field.get_prep_value(bound[lookup]), connection, prepared=True)
            for field, lookup in zip(self.fields, self.lookups, strict=True)
        ]

    def _compile(self, alias: str, bound: dict[str, Any], connection) -> tuple | None:
        """(sql, compiler, converters, attnames) for this thread's connection, or None when the
        query's shape is not the plain one this class runs itself."""
        queryset = self.queryset(alias, bound)
        query = queryset.query
        if query.select_related or query.annotations or query.extra or query.deferred_loading[0]:
            return None
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params) != self._bind(connection, bound):
            return None
        columns = [expression for expression, _sql, _alias in compiler.select]
        if self.values:
            attnames = list(self.values)
        else:
            attnames = [field.attname for field in self.model._meta.concrete_fields]
            if [getattr(col, "target", None) for col in columns] != list(self.model._meta.concrete_fields):
                return None
        return sql, compiler, compiler.get_converters(columns), attnames

    def __call__(self, *args: Any, using: str | None = None, limit: int = 2) -> list:
        alias = using or router.db_for_read(self.model)
        connection = connections[alias]
        bound = dict(zip(self.given, args, strict=True))
        cache = _local.__dict__.setdefault("reads", {})
        key = (id(self), alias, id(connection))
        entry = cache.get(key)
        if entry is None:
            try:
                entry = self._compile(alias, bound, connection) or False
            except (TypeError, ValueError):
                entry = None  # a value the ORM refuses: let it say so below, compile on a later call
            if entry is not None:
                cache[key] = entry
        if not entry:
            return list(self.queryset(alias, bound)[:limit])
        sql, compiler, converters, attnames = entry
        try:
            params = self._bind(connection, bound)
        except (TypeError, ValueError):
            return list(self.queryset(alias, bound)[:limit])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchmany(limit)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        if self.values:
            return [tuple(row) for row in rows]
        return [self.model.from_db(alias, attnames, list(row)) for row in rows]


def _no_row(field) -> Any:
    """A value of `field`'s kind that no row has as its key: 0, an empty text; for a time, now."""
    if isinstance(field, DateTimeField):
        return dt.datetime.now(dt.UTC)
    return 0 if field.get_internal_type().endswith(("AutoField", "IntegerField")) else ""


def thread_warm_up() -> None:
    """Compile every read made, for this thread's connections, as its first signed-in request would (about
    80 ms of CPU on a busy machine): each run once with values that match no row. A web worker does it on each
    of its request threads before it accepts (stageslot/warm.py)."""
    for read in list(_reads):
        read(*(_no_row(read.fields[read.lookups.index(lookup)]) for lookup in read.given))


def one(read: PreparedRead, *args: Any, missing: Callable[[], Exception]) -> Any:
    """The one row `read` finds for `args`; `missing()` is raised when there is none."""
    rows = read(*args)
    if not rows:
        raise missing()
    if len(rows) > 1:
        raise read.model.MultipleObjectsReturned(f"More than one {read.model.__name__} matches.")
    return rows[0]


def _plan(model: type[Model], columns: tuple[str, ...], connection, related: dict[str, type[Model]]) -> tuple:
    """How to turn rows with `columns` into instances of `model` (and of `related` models, whose columns
    come as "<name>__<attname>"): per model, the column positions, attnames and each column's converters."""
    key = (model, columns, id(connection), tuple(related.items()))
    cache = _local.__dict__.setdefault("plans", {})
    if key in cache:
        return cache[key]

    def part(of: type[Model], prefix: str) -> tuple:
        by_column = {f.column: f for f in of._meta.concrete_fields}
        by_attname = {f.attname: f for f in of._meta.concrete_fields}
        positions, attnames, converters = [], [], []
        for index, name in enumerate(columns):
            if prefix:
                if not name.startswith(prefix):
                    continue
                field = by_attname.get(name[len(prefix) :])
            else:
                field = by_column.get(name)
            if field is None:
                continue
            col = field.get_col(of._meta.db_table)
            positions.append(index)
            attnames.append(field.attname)
            converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
        # Model.from_db takes the values in the order of the model's fields, whatever the columns' order.
        order = {f.attname: i for i, f in enumerate(of._meta.concrete_fields)}
        ranked = sorted(zip(positions, attnames, converters, strict=True), key=lambda item: order[item[1]])
        return [p for p, _a, _c in ranked], [a for _p, a, _c in ranked], [c for _p, _a, c in ranked]

    plan = (part(model, ""), {name: part(other, f"{name}__") for name, other in related.items()})
    cache[key] = plan
    return plan


def _instance(of: type[Model], alias: str, row: tuple, part: tuple, connection) -> Model:
    positions, attnames, converters = part
    values = []
    for index, (col, convs) in zip(positions, converters, strict=True):
        value = row[index]
        for convert in convs:
            value = convert(value, col, connection)
        values.append(value)
    return of.from_db(alias, attnames, values)


def _adapted(connection, params: Sequence[Any]) -> list[Any]:
    """The parameters as Model.objects.raw() binds them: a time as the database compares it (SQLite keeps times
    as text in its own form, which the driver's default for a datetime is not)."""
    adapt = connection.ops.adapt_unknown_value
    return [adapt(value) for value in params]


def fetch_rows(
    sql: str,
    params: Sequence[Any],
    *,
    model: type[Model],
    using: str | None = None,
    columns: tuple[str, ...] | None = None,
) -> "Rows":
    """The rows of written-out SQL as the database gives them (unconverted), with their column names:
    cheap to compare or digest; `Rows.instances()` turns them into model instances. SQL that names its
    columns itself may pass their names as `columns`: the driver's description of them is then not built
    (psycopg makes an object per column, a tenth of a small read's CPU)."""
    alias = using or router.db_for_read(model)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapted(connection, params))
        if columns is None:
            columns = column_names(cursor)
        rows = cursor.fetchall()
    return Rows(columns, [tuple(row) for row in rows], alias)


def column_names(cursor) -> tuple[str, ...]:
    """The names of the columns of the cursor's current result. From psycopg's result itself where there is one:
    its `description` makes an object per column, with the column's type looked up (about 1.6 µs a column, a
    tenth of a small read's CPU; the names alone, a twentieth of that)."""
    result = getattr(getattr(cursor, "cursor", cursor), "pgresult", None)
    if result is None:
        return tuple([column[0] for column in cursor.description])  # a list: no call per column
    return tuple([result.fname(n).decode() for n in range(result.nfields)])


def fetch_rows_together(queries: Sequence[tuple[str, Sequence[Any]]], *, model: type[Model]) -> "list[Rows]":
    """fetch_rows of several statements, in one round trip to the database on PostgreSQL (the statements
    sent as one, each result read in turn), one after another elsewhere. Each statement stands alone (no
    statement reads another's result); all read the database `model` is read from."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    if connection.vendor != "postgresql" or len(queries) < 2:
        return [fetch_rows(sql, params, model=model, using=alias) for sql, params in queries]
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "; ".join(sql for sql, _params in queries),
            _adapted(connection, [p for _sql, params in queries for p in params]),
        )
        while True:
            columns = column_names(cursor)
            found.append(Rows(columns, [tuple(row) for row in cursor.fetchall()], alias))
            if not cursor.cursor.nextset():
                break
    if len(found) != len(queries):
        raise RuntimeError(f"{len(queries)} statements gave {len(found)} results")
    return found


class Rows:
    """Rows fetched by fetch_rows, not yet turned into instances."""

    __slots__ = ("alias", "columns", "rows")

    def __init__(self, columns: tuple[str, ...], rows: list[tuple], alias: str) -> None:
        self.columns, self.rows, self.alias = columns, rows, alias

    def instances(self, model: type[Model], *, related: dict[str, type[Model]] | None = None) -> list[Model]:
        """Instances of `model`, as Model.objects.raw() gives them but with how to read the columns
        worked out once per thread and column list; columns named "<name>__<attname>" for each entry of
        `related` ({"user": User}) become that model's instance, set as the instance's `<name>`."""
        related = related or {}
        connection = connections[self.alias]
        own, others = _plan(model, self.columns, connection, related)
        found = []
        for row in self.rows:
            obj = _instance(model, self.alias, row, own, connection)
            for name, part in others.items():
                setattr(obj, name, _instance(related[name], self.alias, row, part, connection))
            found.append(obj)
        return found


def rows_as(
    model: type[Model],
    sql: str,
    params: Sequence[Any],
    *,
    related: dict[str, type[Model]] | None = None,
    using: str | None = None,
) -> list[Model]:
    """Instances of `model` from written-out SQL (fetch_rows, then Rows.instances)."""
    return fetch_rows(sql, params, model=model, using=using).instances(model, related=related)


# ---- A query's SQL compiled once per shape ---------------------------------------------------------

# (CompiledSQL, database alias, vendor, shape) -> (sql, slots, queryset, compiler), or False when the
# shape is never kept.
COMPILED: dict[tuple, tuple | bool] = {}

_EPOCHS = (dt.datetime(2001, 1, 1, tzinfo=dt.UTC), dt.datetime(2002, 2, 2, tzinfo=dt.UTC))
# Positive and inside a 32-bit integer's range: Django drops a lookup whose value is out of its field's range (a
# negative id on a PositiveIntegerField: `exclude(source_id=-1)` vanishes from the SQL), which a stand-in must not be.
_INT_BASES = (1_000_000_000, 2_000_000_000)


def _sentinels(
    values: dict[str, Any], which: int, text: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], dict[Any, tuple[str, int | None]]]:
    """Stand-ins for each int, datetime and list of ints in `values`, and each string named in `text`
    (distinct per call of `which`), and what each stand-in stands for: (name, index in its list or None)."""
    stand_ins: dict[str, Any] = {}
    meaning: dict[Any, tuple[str, int | None]] = {}
    counter = 0

    def next_one(kind: str) -> Any:
        nonlocal counter
        counter += 1
        if kind == "datetime":
            return _EPOCHS[which] + dt.timedelta(seconds=counter)
        return _INT_BASES[which] - counter

    for name, value in values.items():
        if name in text and isinstance(value, str):
            counter += 1
            stand_ins[name] = f"\x00stand-in-{which}-{counter}"
            meaning[stand_ins[name]] = (name, None)
        elif isinstance(value, dt.datetime):
            stand_ins[name] = next_one("datetime")
            meaning[stand_ins[name]] = (name, None)
        elif isinstance(value, int) and not isinstance(value, bool):
            stand_ins[name] = next_one("int")
            meaning[stand_ins[name]] = (name, None)
        elif isinstance(value, list):
            stand_ins[name] = [next_one("int") for _ in value]
            for index, stand_in in enumerate(stand_ins[name]):
                meaning[stand_in] = (name, index)
        else:
            stand_ins[name] = value  # part of the shape, passed as it is
    return stand_ins, meaning


def _shape(values: dict[str, Any], text: frozenset[str] = frozenset()) -> tuple:
    out = []
    for name, value in sorted(values.items()):
        if (name in text and isinstance(value, str)) or isinstance(value, dt.datetime) or _plain_int(value):
            out.append((name, "value"))
        elif isinstance(value, list):
            out.append((name, "list", len(value)))
        else:
            out.append((name, "as is", value))
    return tuple(out)


class CompiledSQL:
    """The SQL and parameters of the query `build(**values)` returns, with the ORM's building and compiling
    done once per shape – the length of each list, the other values that are neither ints nor datetimes –
    and database, instead of on every call.

    The values are ints, aware datetimes, lists of ints, and values that steer the query's shape (flags,
    names): those are part of the shape and passed through. `build` may use the ints, datetimes and lists
    only inside the query, never to decide in Python what to build (lengths and flags may steer). It is
    compiled twice with two sets of stand-ins; a parameter that differs between the two must be one of the
    stand-ins, else (a value worked out from one, as `now - window`) the shape is never kept and each
    call builds and compiles as before. So a kept shape binds every value where the ORM would."""

    def __init__(self, build: Callable[..., QuerySet], *, text: Sequence[str] = ()) -> None:
        # `text`: the names of string arguments that are values bound into the query (a token), not
        # part of its shape; every other string steers the shape and is passed as it is.
        self.build = build
        self.text = frozenset(text)

    def __call__(self, *, using: str | None = None, **values: Any) -> tuple[str, list]:
        """The SQL and parameters of build(**values)."""
        values = _normal(values)
        entry, connection = self._entry(values, using)
        if not entry:
            sql, params = self.build(**values).query.sql_with_params()
            return sql, list(params)
        return entry[0], self._params(entry, values, connection)

    def instances(self, *, using: str | None = None, **values: Any) -> list[Model]:
        """What iterating build(**values) gives (model instances with their select_related objects and
        annotations), from the SQL kept for its shape: the ORM's own iterator reads the rows, with the
        compiler that compiled the shape (its columns and related models) and this call's parameters."""
        values = _normal(values)
        entry, connection = self._entry(values, using)
        if not entry:
            return list(self.build(**values))
        sql, _slots, queryset, compiler = entry
        params = self._params(entry, values, connection)
        fresh = copy.copy(compiler)
        fresh.connection = connection  # this thread's own (a connection belongs to its thread)
        fresh.as_sql = lambda *args, **kwargs: (sql, params)
        # How to convert each column is the same on every call of the shape: worked out once per connection.
        converters = _local.__dict__.setdefault("converters", {})
        key = (id(entry), id(connection))
        if key not in converters:
            converters[key] = {}
        kept = converters[key]

        def get_converters(expressions, _kept=kept, _own=fresh.get_converters):
            names = tuple(id(expression) for expression in expressions)
            if names not in _kept:
                _kept[names] = _own(expressions)
            return _kept[names]

        fresh.get_converters = get_converters
        chained = queryset._chain()
        chained.query.get_compiler = lambda *args, **kwargs: fresh
        return list(chained)

    def warm(self, *, using: str | None = None, **values: Any) -> None:
        """Compile the shape of `values` now, touching no database: a process readying itself before it
        serves (stageslot/warm.py, in gunicorn's master) hands the kept SQL to every worker it forks."""
        self._entry(_normal(values), using)

    def _entry(self, values: dict[str, Any], using: str | None) -> tuple[tuple | bool, Any]:
        # Kept for the whole process: the SQL and where each value goes are the same in every thread; the
        # compiler kept for instances() is given the calling thread's own connection on each call.
        alias = using or "default"
        connection = connections[alias]
        key = (id(self), alias, connection.vendor, _shape(values, self.text))
        entry = COMPILED.get(key)
        if entry is None:
            entry = COMPILED[key] = self._compile(values, alias, connection) or False
        return entry, connection

    @staticmethod
    def _params(entry: tuple, values: dict[str, Any], connection) -> list:
        slots = entry[1]
        params = []
        for kind, name, index, fixed in slots:
            if kind == "fixed":
                params.append(fixed)
                continue
            value = values[name] if index is None else values[name][index]
            params.append(connection.ops.adapt_datetimefield_value(value) if kind == "datetime" else value)
        return params

    def _compile(self, values: dict[str, Any], alias: str, connection) -> tuple | None:
        compiled = []
        first = None
        for which in (0, 1):
            stand_ins, meaning = _sentinels(values, which, self.text)
            queryset = self.build(**stand_ins).using(alias)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            first = first or (queryset, compiler)
            adapt = connection.ops.adapt_datetimefield_value
            adapted = {adapt(s): m for s, m in meaning.items() if isinstance(s, dt.datetime)}
            compiled.append((sql, list(params), meaning, adapted))
        (sql_a, params_a, meaning_a, adapted_a), (sql_b, params_b, meaning_b, adapted_b) = compiled
        if sql_a != sql_b or len(params_a) != len(params_b):
            return None
        slots = []
        for a, b in zip(params_a, params_b, strict=True):
            if a == b and not _is_stand_in(a, meaning_a, adapted_a):
                slots.append(("fixed", None, None, a))
                continue
            for kind, found_a, found_b in (
                ("int", meaning_a.get(a) if _plain_int(a) else None, meaning_b.get(b) if _plain_int(b) else None),
                ("text", _text(meaning_a, a), _text(meaning_b, b)),
                ("datetime", _found(adapted_a, a), _found(adapted_b, b)),
            ):
                if found_a is not None and found_a == found_b:
                    slots.append((kind, *found_a, None))
                    break
            else:
                return None  # a value worked out from a stand-in: not kept
        # The values given must give the same SQL as the stand-ins: a lookup the ORM left out for a stand-in (one
        # it judged always true or false) would be left out for every later value too.
        real = self.build(**values).using(alias).query.get_compiler(using=alias)
        try:
            real_sql = real.as_sql()[0]
        except EmptyResultSet:
            return None
        if real_sql != sql_a:
            return None
        return sql_a, slots, *first


def _normal(values: dict[str, Any]) -> dict[str, Any]:
    return {name: sorted(v) if isinstance(v, set | frozenset | tuple) else v for name, v in values.items()}


def _plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(meaning: dict, value: Any) -> Any:
    return meaning.get(value) if isinstance(value, str) and value.startswith("\x00stand-in-") else None


def _found(meaning: dict, value: Any) -> Any:
    try:
        return meaning.get(value)
    except TypeError:  # an unhashable parameter (a list for an array lookup): never a stand-in
        return None


def _is_stand_in(value: Any, meaning: dict, adapted: dict) -> bool:
    return (
        (_plain_int(value) and value in meaning)
        or _text(meaning, value) is not None
        or _found(adapted, value) is not None
    )
