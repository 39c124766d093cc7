"""Model objects read with one plain statement, built exactly as the ORM builds them.

For the few reads asked on every request (the API token with its user and staff profile, the city's services),
building the query through the ORM cost 0.5–1.3 ms of Python, several times running it. A :class:`Columns` names
one model's columns in a plain SELECT and turns its part of a row into the model's object the way a QuerySet does:
each value through its field's and the database's converters (a JSON list, a boolean on SQLite, an aware time),
then ``Model.from_db``, so the object is a loaded row (saving it updates) and whatever takes the model takes it.
The statement's text is the caller's, written once per process.
"""

from django.db import connections


class Columns:
    """One model's concrete columns under a table alias in a plain SELECT (``sql``), ``width`` values wide."""

    def __init__(self, model, alias: str, using: str = "default"):
        self.model, self.using = model, using
        connection = connections[using]
        fields = model._meta.concrete_fields
        self.names = [f.attname for f in fields]
        self.width = len(fields)
        self._pk = self.names.index(model._meta.pk.attname)
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
        self._converters = []
        for index, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if functions:
                self._converters.append((index, col, functions))

    def build(self, row, start: int = 0):
        """The object of ``row[start:start + width]``, or None when its primary key is NULL (an outer join found
        nothing)."""
        values = list(row[start:start + self.width])
        if values[self._pk] is None:
            return None
        connection = connections[self.using]
        for index, col, functions in self._converters:
            for convert in functions:
                values[index] = convert(values[index], col, connection)
        return self.model.from_db(self.using, self.names, values)
