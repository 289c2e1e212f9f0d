"""Statements on the hot path, compiled by the ORM once per process (issue 14).

Django compiles a queryset to SQL anew every time it runs; for the token lookup of
every API request and the stale mark of every logbook write, that compilation cost
more CPU than the database's own work. A `Prepared` statement is still written as an
ORM queryset (so a rule such as `ApiToken.objects.active()` stays in one place); it is
compiled once per database connection alias with stand-in values, and each call runs
that same SQL with the real values in their places. Rows come back as model instances
through the ORM's own converters and `from_db`, as a queryset would give them.

Only for querysets whose SQL does not depend on the values (no `__in` lists; a None,
which would turn `=` into `IS NULL`, is refused): the stand-ins are checked to appear
once each among the parameters, and a stand-in never matches a constant by accident.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.sql.subqueries import InsertQuery, UpdateQuery

# Values no real call passes, so each is found among the compiled parameters by equality.
STAND_INS: dict[type, Callable[[int], Any]] = {
    # Within the range of every integer field (an out-of-range value compiles to "no rows").
    int: lambda n: 32_001 + n,
    str: lambda n: f"\x00prepared-stand-in-{n}",
    dt.date: lambda n: dt.date(1111, 1, 1) + dt.timedelta(days=n),
    dt.datetime: lambda n: dt.datetime(1111, 1, 1, 1, 1, 1, 111 + n, tzinfo=dt.UTC),
}


class _CompiledRead(NamedTuple):
    sql: str
    slots: list  # where each parameter comes from: a value's name, or a constant's index
    constants: list
    shape: Any  # the values() keys, or (model, first column, end column, attnames)
    converters: dict
    populators: list  # the select_related rows
    columns: list  # the output field of each column


class Prepared:
    """`Prepared(build, name=type, ...)`: `build(**values)` returns the queryset; each
    keyword names a value of that type that changes from call to call. With
    `changes={...}` (fixed values or F() expressions) it is `build(...).update(**changes)`."""

    def __init__(self, build: Callable[..., QuerySet], *, changes: dict | None = None, **kinds: type):
        self._build = build
        self._changes = changes
        self._stand_ins = {name: STAND_INS[kind](n) for n, (name, kind) in enumerate(kinds.items())}
        self._compiled: dict[str, tuple] = {}

    def _slots(self, connection, params) -> list[tuple[str, type | None] | int]:
        # For each parameter: the name of the value that goes there (with the wrapper type
        # the ORM gave it, psycopg's Int4 say), or its own position (a constant).
        adapted = {name: _adapt(connection, value) for name, value in self._stand_ins.items()}
        slots: list[tuple[str, type | None] | int] = []
        for position, param in enumerate(params):
            names = [name for name, value in adapted.items() if isinstance(param, type(value)) and param == value]
            if names:
                wrapper = type(param) if type(param) is not type(adapted[names[0]]) else None
                slots.append((names[0], wrapper))
            else:
                slots.append(position)
        named = [slot[0] for slot in slots if isinstance(slot, tuple)]
        if sorted(named) != sorted(self._stand_ins):
            raise ValueError(f"each value must appear once in the compiled SQL, not {sorted(named)}")
        return slots

    def _params(self, connection, slots, constants, values: dict) -> list:
        if values.keys() != self._stand_ins.keys():
            raise TypeError(f"expected the values {sorted(self._stand_ins)}, got {sorted(values)}")
        params = []
        for slot in slots:
            if isinstance(slot, int):
                params.append(constants[slot])
            elif values[slot[0]] is None:
                # The ORM would have compiled `IS NULL` for it: other SQL than this one.
                raise ValueError(f"{slot[0]} is None; a prepared statement takes values only")
            else:
                value = _adapt(connection, values[slot[0]])
                params.append(value if slot[1] is None else slot[1](value))
        return params

    def first(self, using: str = "default", **values):
        """The first row as a model instance (with its select_related rows), or None."""
        rows = self.all(using, **values)
        return rows[0] if rows else None

    def all(self, using: str = "default", **values) -> list:
        """The rows as model instances (with their select_related rows), or as dicts for
        a `values()` queryset, in the queryset's order."""
        sql, params = self.read_statement(using, **values)
        with prepared_cursor(using) as cursor:
            cursor.execute(sql, params)
            return self.results(cursor.fetchall(), using)

    def read_statement(self, using: str = "default", **values) -> tuple[str, list]:
        """The SELECT's SQL and parameters (for `results()` to read its rows)."""
        read = self._read(using)
        return read.sql, self._params(connections[using], read.slots, read.constants, values)

    def read_statement_sql(self, using: str = "default") -> str:
        """The SELECT's SQL, with placeholders for the values."""
        return self._read(using).sql

    def columns(self, using: str = "default") -> list:
        """The output field of each column of the SELECT."""
        return self._read(using).columns

    def _read(self, using: str) -> "_CompiledRead":
        """The SELECT compiled for `using`, and how to turn its rows into results: made on
        first use, then kept for the life of the process."""
        if using not in self._compiled:
            queryset = self._build(**self._stand_ins)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            klass_info, select = compiler.klass_info, compiler.select
            converters = compiler.get_converters([column[0] for column in select])
            if queryset._iterable_class is ValuesIterable:  # values(): named as ValuesIterable names them
                query = queryset.query
                shape = [*query.extra_select, *query.values_select, *query.annotation_select]
                populators = []
            elif queryset._iterable_class is not ModelIterable:
                raise TypeError("a prepared read gives model instances or values() dicts")
            else:
                fields = klass_info["select_fields"]
                init_list = [column[0].target.attname for column in select[fields[0] : fields[-1] + 1]]
                shape = (klass_info["model"], fields[0], fields[-1] + 1, init_list)
                populators = get_related_populators(klass_info, select, using)
            self._compiled[using] = _CompiledRead(
                sql=sql,
                slots=self._slots(connections[using], params),
                constants=params,
                shape=shape,
                converters=converters,
                populators=populators,
                columns=[column[0].output_field for column in select],
            )
        return self._compiled[using]

    def results(self, rows, using: str = "default") -> list:
        """Rows of the SELECT as `all()` gives them."""
        read = self._read(using)
        shape, converters, populators = read.shape, read.converters, read.populators
        connection = connections[using]
        results = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            if isinstance(shape, list):
                results.append(dict(zip(shape, row, strict=False)))
                continue
            model, start, end, init_list = shape
            instance = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            results.append(instance)
        return results

    def statement(self, using: str = "default", **values) -> tuple[str, list]:
        """The UPDATE's SQL and parameters, to run as part of another statement."""
        if using not in self._compiled:
            query = self._build(**self._stand_ins).query.chain(UpdateQuery)
            query.add_update_values(self._changes)
            sql, params = query.get_compiler(using=using).as_sql()
            self._compiled[using] = (sql, self._slots(connections[using], params), params)
        sql, slots, constants = self._compiled[using]
        return sql, self._params(connections[using], slots, constants, values)

    def update(self, using: str = "default", **values) -> int:
        """Run the UPDATE; returns the number of rows changed."""
        sql, params = self.statement(using, **values)
        with prepared_cursor(using) as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount


def read_together(reads: dict[str, tuple[Prepared, dict]], using: str = "default") -> dict[str, list]:
    """Several prepared reads as one statement (issue 14: the Today page's reads):
    `read_together({"intake": (read, {"user_id": 3, ...}), ...})` gives `{"intake": [...], ...}`,
    each list as that read's `all(**values)` would (in its order), in one round trip
    instead of one per read. Each read's columns keep their own place in a wide row (NULL,
    cast to the column's type, elsewhere), so every value comes back through its own
    type; a tag column says which read a row is from, and a row number its place."""
    statements = {name: read.read_statement(using, **values) for name, (read, values) in reads.items()}
    key = (using, tuple((name, read) for name, (read, _values) in reads.items()))
    if key not in _UNIONS:
        _UNIONS[key] = _union({name: read for name, (read, _values) in reads.items()}, using)
    sql, places = _UNIONS[key]
    params = [param for _sql, read_params in statements.values() for param in read_params]
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_tag: list[list] = [[] for _ in places]
    for row in rows:
        by_tag[row[0]].append(row)
    return {
        name: reads[name][0].results([row[start:end] for row in by_tag[tag]], using)
        for tag, (name, start, end) in enumerate(places)
    }


# The SQL of each combination of reads, made on its first use.
_UNIONS: dict[tuple, tuple[str, list[tuple[str, int, int]]]] = {}


def _union(reads: dict[str, Prepared], using: str) -> tuple[str, list[tuple[str, int, int]]]:
    connection = connections[using]
    columns = {name: read.columns(using) for name, read in reads.items()}
    nulls = [f"CAST(NULL AS {field.cast_db_type(connection)})" for name in reads for field in columns[name]]
    parts, places, start = [], [], 2
    for tag, (name, read) in enumerate(reads.items()):
        end = start + len(columns[name])
        sql = read.read_statement_sql(using)
        selected = [*nulls[: start - 2], f"part{tag}.*", *nulls[end - 2 :]]
        # The row number follows the read's own ORDER BY, which the subquery keeps.
        parts.append(f"SELECT {tag}, ROW_NUMBER() OVER (), {', '.join(selected)} FROM ({sql}) part{tag}")  # noqa: S608 (compiled SQL, no input)
        places.append((name, start, end))
        start = end
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2", places


def prepared_cursor(using: str = "default"):
    """A cursor for the statements of this module, whose SQL text does not change from call
    to call. On PostgreSQL it sends the values apart from the SQL (server-side binding), so
    psycopg prepares a statement on the server once it has run a few times on a connection
    (DATABASES' prepare_threshold) and PostgreSQL then skips parsing and planning it: that
    was 0.3 of the 0.5 ms of database CPU of a cramp's INSERT. Django's own cursors bind on
    the client and never prepare. Queries are logged and wrapped as through connection.cursor()."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg  # only where PostgreSQL is used

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def _adapt(connection, value):
    # As the ORM prepares a value of a date or datetime field for this database (SQLite
    # wants strings); the compiled parameters hold the stand-ins prepared the same way.
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def insert_statement(instance, using: str = "default", *, returning: bool = False) -> tuple[str, list]:
    """The INSERT of an unsaved model instance as SQL and parameters, as Model.save() would
    send it (auto_now fields filled in on the instance); with `returning`, it returns the
    fields the database fills in (the id), for `inserted()` to set. The SQL is compiled
    once per model; each call prepares the values as the ORM's compiler does."""
    fields = _insert_fields(type(instance))
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return _compiled_insert(instance, fields, using, returning)  # the SQL depends on the expression
    key = (type(instance), using, returning)
    if key not in _INSERT_SQL:
        sql, params = _compiled_insert(instance, fields, using, returning)
        if len(params) != len(fields) or any(hasattr(field, "get_placeholder") for field in fields):
            return sql, params  # not one plain placeholder per field: compile each time
        _INSERT_SQL[key] = sql
    connection = connections[using]
    return _INSERT_SQL[key], [
        field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)
    ]


_INSERT_SQL: dict[tuple, str] = {}


def _insert_fields(model) -> list:
    meta = model._meta
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]


def _compiled_insert(instance, fields, using: str, returning: bool) -> tuple[str, list]:
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    compiler = query.get_compiler(using=using)
    if returning:
        compiler.returning_fields = instance._meta.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def inserted(instance, returned, using: str = "default") -> None:
    """Mark an instance inserted by insert_statement(returning=True) as saved, with the
    values its RETURNING gave."""
    for field, value in zip(instance._meta.db_returning_fields, returned, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = using
