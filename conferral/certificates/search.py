"""Case-insensitive search that folds case in every script, on SQLite as on PostgreSQL.

PostgreSQL's `icontains` (UPPER … LIKE UPPER …) already folds "Ø", "Å" or "Ю". SQLite's
LIKE, LOWER and UPPER only fold ASCII letters, so "øberg" would not find "Øberg". There,
both sides go through CASEFOLD_FUNCTION, Python's `str.casefold`, which `casefold_register`
adds to every new SQLite connection (CertificatesConfig.ready connects it to
`connection_created`).

A recipient search does not fold every row it reads: each recipient's name and address
are kept folded (`fold_sql`, written by the database: conferral.certificates.
search_triggers), on SQLite in the recipient's plain column `search_text`, on PostgreSQL
in a table of their own (conferral.certificates.search_models), and the search folds
only the pattern (`FoldedTextContains`). The results are those of `FoldedContains` on
the name or the address: the same folding, once per write instead of once per row read.
The text is read through `SearchIndex`: on SQLite a B-tree that answers a search without
the table, on PostgreSQL a trigram index that answers it without reading every row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.postgres.indexes import GinIndex
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Func, Index, Model, TextField
from django.db.models.expressions import Expression
from django.db.models.lookups import Contains, IContains

if TYPE_CHECKING:
    from django.db.backends.ddl_references import Statement
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


def fold_sql(vendor: str, name: str, email: str) -> str:
    """The SQL of `search_text` for the SQL of a name and an address: both folded
    (CASEFOLD_FUNCTION on SQLite, UPPER on PostgreSQL: each database's `FoldedContains`
    folding), one line each: a search pattern never holds a newline (the selectors
    collapse whitespace), so no match spans both. No parameters: the newline is a
    literal of each database (char(10) on SQLite, chr(10) on PostgreSQL), so a trigger
    can hold the expression too."""
    newline = "char(10)" if vendor == "sqlite" else "chr(10)"
    return f"{_fold_function(vendor)}({name} || {newline} || {email})"


def fold_text(name: str, email: str) -> str:
    """What `fold_sql` of a name and an address gives on SQLite, computed in Python:
    CASEFOLD_FUNCTION is `str.casefold`, so it is the same text. An import folds its rows
    so, since calling CASEFOLD_FUNCTION from SQLite took 2.7 µs a row, the fold itself
    0.9 µs."""
    return f"{name}\n{email}".casefold()


def _fold_function(vendor: str) -> str:
    return CASEFOLD_FUNCTION if vendor == "sqlite" else "UPPER"


class SearchFold(Func):
    """`fold_sql` of two expressions: the generated column of migration 0010, which
    0014 replaced with the plain one the triggers keep."""

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
        (name, name_params), (email, email_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return fold_sql(connection.vendor, name, email), (*name_params, *email_params)


class SearchIndex(Index):
    """The index a recipient search reads, by database.

    SQLite: this B-tree of (certificate, search_text, token), covering: a search of
    100,000 recipients reads its entries in 22 to 28 ms (CPU) where reading the rows
    took 64 to 84 ms. PostgreSQL: a trigram GIN index (pg_trgm) of RecipientSearch's
    text instead (conferral.certificates.search_models), which `LIKE '%…%'` can use: such
    a search reads its matches in 1 to 5 ms where scanning the rows took 100 to 160 ms
    (the LIKE itself is most of that). A pattern of fewer than three characters, or one
    a token might contain (`recipients_filter`), is still a scan there."""

    def create_sql(
        self,
        model: type[Model],
        schema_editor: BaseDatabaseSchemaEditor,
        using: str = "",
        **kwargs: Any,
    ) -> Statement:
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using, **kwargs)
        trigram = GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name=self.name)
        return trigram.create_sql(self.trigram_model(model), schema_editor, using, **kwargs)

    def trigram_model(self, model: type[Model]) -> type[Model]:
        """The model whose `search_text` the trigram index is of, on PostgreSQL."""
        from conferral.certificates.search_models import RecipientSearch

        return RecipientSearch


class RecipientTrigramIndex(SearchIndex):
    """SearchIndex as migrations 0014 to 0018 made it: on PostgreSQL the trigram index
    of the recipient table's own `search_text`, which 0019 moved to RecipientSearch.
    Every import's rows and every update that moved a recipient to another index entry
    wrote their trigrams into it: with it and the folding trigger, the server's CPU
    for bench/import.py's 100,000 rows had gone from 7.8 s to 11.0 s."""

    def trigram_model(self, model: type[Model]) -> type[Model]:
        return model


class FoldedTextContains(Contains):
    """`search_text` contains the pattern, folded as `fold_sql` folds the column: only
    the pattern goes through the folding function, the column is read as stored."""

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        fold = _fold_function(connection.vendor)
        return f"{lhs_sql} LIKE {fold}({rhs_sql}) ESCAPE '\\'", (*lhs_params, *rhs_params)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        """A pattern that starts beyond ASCII goes to `instr`: SQLite's LIKE looks for a
        first character beyond ASCII by decoding every character of the text, where
        `instr` compares bytes. Over the folded names and addresses of 100,000
        recipients (CPU, best of 9): "øberg 1" took 15.5 ms by LIKE and 11.4 ms by
        `instr`; "jörg mül" 8.3 and 10.8 ms, so an ASCII start stays with LIKE. Both
        sides are folded, so LIKE's own folding of ASCII letters changes nothing and
        the two find the same rows."""
        if self.rhs_is_direct_value() and not str(self.rhs)[:1].isascii():
            lhs_sql, lhs_params = self.process_lhs(compiler, connection)
            sql = f"instr({lhs_sql}, {CASEFOLD_FUNCTION}(%s)) > 0"
            return sql, (*lhs_params, str(self.rhs))
        return self.as_sql(compiler, connection)
