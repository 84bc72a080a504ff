"""The docs cover the code: every setting, stats key, drop reason and record field; no dead link."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jobcrawl"
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MARKDOWN = [README, ROOT / "benchmarks" / "README.md", *sorted(DOCS.glob("*.md"))]

# A part of a stats key the code computes at run time (an f-string field nothing resolves).
WILD = "\x00"
SETTING = re.compile(r"\bJOBCRAWL_[A-Z0-9_]+\b")
# "dates/closing/unparsed": the shape of a stats key written without its "jobcrawl/" prefix.
KEY_SHAPED = re.compile(r"^[a-z_]+(?:/[a-z_\x00]+)+$")
# Slash-separated strings in the code that are not stats keys at all.
NOT_STATS_KEYS = frozenset({"application/json", "logs/crawlall", "private/jobs"})


@cache
def modules() -> dict[Path, ast.Module]:
    """Every module of the package, wherever it lives now (modules are being moved)."""
    return {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for path in sorted(PACKAGE.rglob("*.py"))}


@cache
def doc_text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", text))


# --- settings -------------------------------------------------------------------

def settings_in_code() -> set[str]:
    names: set[str] = set()
    for path, tree in modules().items():
        names.update(name for name in SETTING.findall(path.read_text(encoding="utf-8"))
                     if not name.endswith("_"))  # "JOBCRAWL_MONITOR_*" names a family
        if path == PACKAGE / "settings.py":
            names.update(target.id for node in tree.body if isinstance(node, ast.Assign)
                         for target in node.targets
                         if isinstance(target, ast.Name) and target.id.startswith("JOBCRAWL_"))
    return names


def test_every_setting_is_documented() -> None:
    found = settings_in_code()
    assert "JOBCRAWL_DATABASE_URL" in found  # the scan itself works
    missing = sorted(found - backticked(doc_text("settings.md")))
    assert not missing, f"add these settings to docs/settings.md: {missing}"


# --- stats keys -----------------------------------------------------------------

Scope = dict[str, list[str]]


def _elements(node: ast.expr, scope: Scope) -> list[str]:
    """The strings a tuple/list/set literal (or a name bound to one) holds."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        values: list[str] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                values += _elements(element.value, scope) or [WILD]
            else:
                values += strings(element, scope)
        return values
    if isinstance(node, ast.Name):
        return scope.get(node.id, [])
    return []


def strings(node: ast.expr, scope: Scope) -> list[str]:
    """Every value a string expression can take; WILD where it depends on run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return scope.get(node.id, [])
    if isinstance(node, ast.JoinedStr):
        values = [""]
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                choices = strings(part.value, scope) or [WILD]
            else:
                choices = [str(part.value)] if isinstance(part, ast.Constant) else [WILD]
            values = [value + choice for value in values for choice in choices]
        return values
    return []


def _bind(scope: Scope, target: ast.expr, values: list[str]) -> None:
    if isinstance(target, ast.Name) and values:
        scope[target.id] = scope.get(target.id, []) + values


def _own_nodes(root: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function, not those of the functions or classes defined inside it."""
    stack = list(ast.iter_child_nodes(root))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                          | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def _function_scope(function: ast.AST, outer: Scope) -> Scope:
    """Names a function assigns strings (or collections of strings) to, over `outer`."""
    scope: Scope = {name: list(values) for name, values in outer.items()}
    nodes = list(_own_nodes(function))
    for _ in range(2):  # an assignment may use a name assigned after it in the text
        local: Scope = {}
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                _bind(local, node.targets[0], _values(node.value, scope))
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                _bind(local, node.target, _values(node.value, scope))
        scope = {**scope, **{name: sorted(set(values)) for name, values in local.items()}}
    return scope


def _looping(scope: Scope, target: ast.expr, iterable: ast.expr) -> Scope:
    """The scope inside a loop: `for name in ("new", "updated")` binds name to both;
    a target nothing resolves hides any outer binding of its names."""
    values = _elements(iterable, scope)
    if isinstance(target, ast.Name) and values:
        return {**scope, target.id: values}
    hidden = {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}
    return {name: found for name, found in scope.items() if name not in hidden}


def _collect(node: ast.AST, scope: Scope, skip: set[int], found: set[str]) -> None:
    """Add every string `node` can build; loop targets are bound in their loop only."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return  # its own root, with its own parameters
    if isinstance(node, ast.Constant | ast.JoinedStr) and id(node) not in skip:
        found.update(strings(node, scope))
    if isinstance(node, ast.For | ast.AsyncFor):
        _collect(node.iter, scope, skip, found)
        inner = _looping(scope, node.target, node.iter)
        for child in node.body:
            _collect(child, inner, skip, found)
        for child in node.orelse:
            _collect(child, scope, skip, found)
        return
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        inner = scope
        for generator in node.generators:
            _collect(generator.iter, inner, skip, found)
            inner = _looping(inner, generator.target, generator.iter)
            for condition in generator.ifs:
                _collect(condition, inner, skip, found)
        results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for result in results:
            _collect(result, inner, skip, found)
        return
    for child in ast.iter_child_nodes(node):
        _collect(child, scope, skip, found)


def _values(node: ast.expr, scope: Scope) -> list[str]:
    return strings(node, scope) or _elements(node, scope)


def _module_scope(tree: ast.Module) -> Scope:
    """The module's constants: STATS_PREFIX = "jobcrawl/store/", _COUNTERS = ("new", ...)."""
    scope: Scope = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            _bind(scope, node.targets[0], _values(node.value, scope))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            _bind(scope, node.target, _values(node.value, scope))
    return scope


Calls = dict[tuple[str, str, int | str], set[str]]


def _call_arguments() -> Calls:
    """(function name, "name" or "attr" call, position or keyword) -> the constant
    strings its callers pass there."""
    passed: Calls = defaultdict(set)
    for tree in modules().values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name):
                name, how = node.func.id, "name"
            elif isinstance(node.func, ast.Attribute):
                name, how = node.func.attr, "attr"
            else:
                continue
            for index, arg in enumerate(node.args):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    passed[(name, how, index)].add(arg.value)
            for keyword in node.keywords:
                if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    passed[(name, "keyword", keyword.arg or "")].add(keyword.value.value)
    return passed


def _parameter_values(function: ast.FunctionDef | ast.AsyncFunctionDef, passed: Calls) -> Scope:
    """What callers pass a function's parameters: mark_failed(stats, "store", ...)."""
    params = [*function.args.posonlyargs, *function.args.args]
    method = bool(params) and params[0].arg in ("self", "cls")
    scope: Scope = {}
    for index, param in enumerate(params):
        values = set(passed.get((function.name, "keyword", param.arg), ()))
        if method:  # obj.method(a): a is the parameter after self
            values |= passed.get((function.name, "attr", index - 1), set())
        else:  # function(a) or module.function(a)
            values |= passed.get((function.name, "name", index), set())
            values |= passed.get((function.name, "attr", index), set())
        if values:
            scope[param.arg] = sorted(values)
    return scope


@cache
def code_strings() -> frozenset[str]:
    """Every string the code can build, with prefix constants, loop values and the
    constant arguments of callers resolved; WILD where only run time knows."""
    passed = _call_arguments()
    per_module = {path: _module_scope(tree) for path, tree in modules().items()}
    defined: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for scope in per_module.values():
        for name, values in scope.items():
            defined[name].add(tuple(values))
    # An imported constant (FAILED_PREFIX used beside its module) resolves when its
    # name means one thing in the whole package.
    shared = {name: list(next(iter(found))) for name, found in defined.items()
              if len(found) == 1 and name.lstrip("_").isupper()}
    in_fstrings = {id(part) for tree in modules().values() for node in ast.walk(tree)
                   if isinstance(node, ast.JoinedStr) for part in ast.walk(node)
                   if part is not node}
    found: set[str] = set()
    for path, tree in modules().items():
        module_scope = {**shared, **per_module[path]}
        for node in tree.body:
            _collect(node, module_scope, in_fstrings, found)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                scope = _function_scope(node, {**module_scope, **_parameter_values(node, passed)})
                for child in [*node.args.defaults, *node.body]:
                    _collect(child, scope, in_fstrings, found)
    return frozenset(found)


def stats_keys_in_code() -> set[str]:
    # A prefix constant ("jobcrawl/store/") is no key; the keys built from it are.
    return {value for value in code_strings() if value.startswith("jobcrawl/")
            and not value.endswith("/") and not re.search(r"\s", value)}


def documented_keys() -> set[str]:
    return {span for span in backticked(doc_text("stats.md"))
            if "/" in span and not re.search(r"\s", span)}


def _doc_pattern(key: str) -> re.Pattern[str]:
    """A documented key as a pattern: each `<placeholder>` stands for one path part."""
    parts = re.split(r"<[^>]+>", key)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def is_documented(key: str, docs: set[str]) -> bool:
    if WILD in key:  # a key computed at run time: some documented key must fit it
        pattern = re.compile(".+".join(re.escape(part) for part in key.split(WILD)))
        return any(pattern.fullmatch(doc) for doc in docs)
    return key in docs or any(_doc_pattern(doc).fullmatch(key) for doc in docs)


def undocumented_keys(keys: Iterable[str], docs: set[str]) -> list[str]:
    return sorted(key.replace(WILD, "<?>") for key in keys if not is_documented(key, docs))


def test_every_stats_key_is_documented() -> None:
    keys = stats_keys_in_code()
    assert "jobcrawl/store/new" in keys and "jobcrawl/failed/store" in keys  # resolution works
    generic = f"jobcrawl/{WILD}"
    missing = undocumented_keys(keys - {generic}, documented_keys())
    assert not missing, f"add these stats keys to docs/stats.md: {missing}"


def test_every_stats_event_is_documented() -> None:
    """Keys written as f"jobcrawl/{event}": the events are key-shaped strings elsewhere."""
    if f"jobcrawl/{WILD}" not in stats_keys_in_code():
        pytest.skip("no stats key is written from a bare event name")
    docs = documented_keys()
    events = [value for value in code_strings() if KEY_SHAPED.match(value)
              and not value.startswith("jobcrawl/") and value not in NOT_STATS_KEYS]
    missing = [
        event.replace(WILD, "<?>") for event in events
        if not is_documented(event, docs)  # a Scrapy key jobcrawl reads (memusage/max)
        and not is_documented(f"jobcrawl/{event}", docs)
        # a key's tail, such as request_failed/listing in jobcrawl/site/request_failed/listing
        and not is_documented(f"jobcrawl/{WILD}/{event}", docs)
    ]
    assert not missing, (f"add jobcrawl/<these> to docs/stats.md (or, if they are not stats "
                         f"keys, to NOT_STATS_KEYS in tests/test_docs.py): {sorted(missing)}")


def drop_classes() -> set[str]:
    classes = [node for tree in modules().values() for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef)]
    drops = {"DropItem"}
    while True:
        more = {node.name for node in classes
                if any((base.id if isinstance(base, ast.Name) else
                        base.attr if isinstance(base, ast.Attribute) else None) in drops
                       for base in node.bases)}
        if more <= drops:
            return drops - {"DropItem"}
        drops |= more


def test_every_drop_reason_is_documented() -> None:
    classes = drop_classes()
    assert "DuplicateInCrawl" in classes
    docs = backticked(doc_text("stats.md"))
    missing = sorted(name for name in classes
                     if f"item_dropped_reasons_count/{name}" not in docs)
    assert not missing, f"add item_dropped_reasons_count/<these> to docs/stats.md: {missing}"


def test_every_record_field_is_documented() -> None:
    items = [node for tree in modules().values() for node in ast.walk(tree)
             if isinstance(node, ast.ClassDef) and node.name == "JobItem"]
    assert len(items) == 1
    fields = [node.target.id for node in items[0].body
              if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)]
    missing = [name for name in fields if name not in backticked(doc_text("record.md"))]
    assert not missing, f"add these JobItem fields to docs/record.md: {missing}"


# --- README and links -----------------------------------------------------------

def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "make demo" in text and "make test" in text


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.M | re.S)


def anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    seen: dict[str, int] = defaultdict(int)
    found = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _without_code_blocks(text), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


def links(text: str) -> list[str]:
    """The targets of inline links, outside code blocks and code spans."""
    prose = re.sub(r"`[^`\n]*`", "", _without_code_blocks(text))
    return re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", prose)


def broken_links(page: Path) -> list[str]:
    broken = []
    for link in links(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # http:, https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        file = (page.parent / target).resolve() if target else page
        missing_anchor = bool(anchor) and file.suffix == ".md" and file.is_file() and (
            anchor not in anchors(file.read_text(encoding="utf-8")))
        if not file.exists() or missing_anchor:
            broken.append(link)
    return broken


def test_links_are_found() -> None:
    assert "docs/settings.md" in links(README.read_text(encoding="utf-8"))
    assert "recrawl-and-expiry" in anchors(doc_text("recrawl-and-expiry.md"))


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(page: Path) -> None:
    broken = broken_links(page)
    assert not broken, f"{page.relative_to(ROOT)}: links to nothing: {broken}"
