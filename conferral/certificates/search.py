"""Case-insensitive search that folds case in every script, on SQLite as on PostgreSQL.

PostgreSQL's `icontains` (UPPER … LIKE UPPER …) already folds "Ø", "Å" or "Ю". SQLite's
LIKE, LOWER and UPPER only fold ASCII letters, so "øberg" would not find "Øberg". There,
both sides go through CASEFOLD_FUNCTION, Python's `str.casefold`, which `casefold_register`
adds to every new SQLite connection (CertificatesConfig.ready connects it to
`connection_created`).

A recipient search does not fold every row it reads: the database keeps each
recipient's name and address folded in a stored column (`SearchFold`, the
`search_text` generated column, computed when the row is written), and the search
folds only the pattern (`FoldedTextContains`). The results are those of
`FoldedContains` on the name or the address: the same folding, once per write instead
of once per row read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, TextField
from django.db.models.expressions import Expression
from django.db.models.lookups import Contains, IContains

if TYPE_CHECKING:
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

CASEFOLD_FUNCTION = "CONFERRAL_CASEFOLD"


def _casefold(value: object) -> str | None:
    if value is None:
        return None
    return str(value).casefold()


def casefold_register(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A `connection_created` receiver: give a new SQLite connection CASEFOLD_FUNCTION."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(CASEFOLD_FUNCTION, 1, _casefold, deterministic=True)


class FoldedContains(IContains):
    """`icontains` for every script: `FoldedContains(F("name"), "øberg")` in a filter.

    Elsewhere it is Django's `icontains`; on SQLite the (escaped) pattern is case-folded
    in Python, and so is a column value with a character beyond ASCII; an ASCII value
    goes to LIKE as it is, which folds ASCII letters itself. Calling Python for every
    row made a search of 100,000 recipients' names and addresses about twice as slow.
    (Only a plain value is folded on SQLite; an expression is matched as `icontains`
    would.)"""

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        value = (
            f"CASE WHEN {lhs_sql} GLOB '*[^ -~]*' "
            f"THEN {CASEFOLD_FUNCTION}({lhs_sql}) ELSE {lhs_sql} END"
        )
        sql = f"{value} LIKE {CASEFOLD_FUNCTION}({rhs_sql}) ESCAPE '\\'"
        return sql, (*lhs_params, *lhs_params, *lhs_params, *rhs_params)


SEARCH_SEPARATOR = "\n"
"""Between the folded name and address: a search pattern never holds one (the
selectors collapse whitespace), so no match spans both."""


class SearchFold(Func):
    """The folded `name` and `email`, one line each, as the stored `search_text` column
    computes them: CASEFOLD_FUNCTION on SQLite, UPPER on PostgreSQL (each database's
    `FoldedContains` folding)."""

    output_field = TextField()

    def __init__(self, name: Expression | str, email: Expression | str) -> None:
        super().__init__(name, email)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _AsSqlType:
        fold = CASEFOLD_FUNCTION if connection.vendor == "sqlite" else "UPPER"
        # A generated column's expression takes no parameters: the separator is a
        # literal of each database (char(10) on SQLite, chr(10) on PostgreSQL).
        newline = "char(10)" if connection.vendor == "sqlite" else "chr(10)"
        return super().as_sql(
            compiler,
            connection,
            template=f"{fold}(%(expressions)s)",
            arg_joiner=f" || {newline} || ",
        )


class FoldedTextContains(Contains):
    """`search_text` contains the pattern, folded as SearchFold folds the column: only
    the pattern goes through the folding function, the column is read as stored."""

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        fold = CASEFOLD_FUNCTION if connection.vendor == "sqlite" else "UPPER"
        return f"{lhs_sql} LIKE {fold}({rhs_sql}) ESCAPE '\\'", (*lhs_params, *rhs_params)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        return self.as_sql(compiler, connection)
