"""SQL only through bound parameters: no SQL text in jobcrawl/ is built from strings at run time.

A static check of the source: every call that takes SQL text (`text()`, `execute()`,
`exec_driver_sql()`, `executescript()`) must get a literal string or a SQLAlchemy
construct, never an f-string, `%`-formatting, `.format()` or concatenation, where a
value from the web (a source, a URL, an id) could become SQL.
"""

from __future__ import annotations

import ast

from tests.utils.paths import ROOT

SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript", "executemany"}


def _int_only(node: ast.JoinedStr) -> bool:
    """An f-string whose every value is int(...): no text can get in (a PRAGMA's number)."""
    return all(isinstance(part, ast.Constant) or (
        isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Call)
        and isinstance(part.value.func, ast.Name) and part.value.func.id == "int")
        for part in node.values)


def _psycopg_composed(node: ast.expr) -> bool:
    """sql.SQL("...").format(...): psycopg.sql quotes what it composes."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Attribute)
            and node.func.value.func.attr == "SQL" and node.func.value.args != []
            and isinstance(node.func.value.args[0], ast.Constant))


def _built_string(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return not _int_only(node)
    if _psycopg_composed(node):
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return any(isinstance(side, ast.Constant | ast.JoinedStr) and
                   (not isinstance(side, ast.Constant) or isinstance(side.value, str))
                   for side in (node.left, node.right))
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "join"))


def sql_built_from_strings() -> list[str]:
    found = []
    for path in sorted((ROOT / "jobcrawl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else (
                node.func.id if isinstance(node.func, ast.Name) else "")
            if name in SQL_CALLS and _built_string(node.args[0]):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_sql_is_built_from_strings() -> None:
    assert sql_built_from_strings() == []


def test_the_check_finds_what_it_looks_for() -> None:
    tree = ast.parse('text(f"SELECT {x}")\nconn.execute("DELETE " + t)\n'
                     'cur.execute("SELECT %s" % v)\nconn.exec_driver_sql("{}".format(v))')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
             and getattr(n.func, "attr", getattr(n.func, "id", "")) in SQL_CALLS]
    assert len(calls) == 4 and all(_built_string(call.args[0]) for call in calls)
    assert not _built_string(ast.parse('text("SELECT :x")').body[0].value.args[0])  # type: ignore[attr-defined]
    for code, built in (('text(f"PRAGMA x = {n}")', True),
                        ('text(f"PRAGMA x = {int(n)}")', False),
                        ('c.execute(sql.SQL("SELECT {}").format(x))', False)):
        assert _built_string(ast.parse(code).body[0].value.args[0]) is built  # type: ignore[attr-defined]
