"""Symbols and imports from source text with tree-sitter (parse only, never import or run).

Python gets classes, functions and methods (with whether each is documented)
and imports; JavaScript and TypeScript get classes, functions, methods and
``import``/``require`` sources. A file with syntax errors still yields what
tree-sitter recovered, and the first error's line.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Query, QueryCursor

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".md": "markdown",
    ".rst": "rst",
    ".txt": "text",
    ".toml": "toml",
    ".cfg": "ini",
    ".ini": "ini",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".json": "json",
    ".html": "html",
    ".css": "css",
    ".scss": "css",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".rb": "ruby",
    ".sh": "shell",
    ".po": "gettext",
    ".xml": "xml",
    ".svg": "svg",
    ".sql": "sql",
}

PARSED_LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx"})

_PY_IMPORTS = """
(import_statement name: (dotted_name) @m)
(import_statement name: (aliased_import name: (dotted_name) @m))
(import_from_statement module_name: (_) @m)
"""
_JS_IMPORTS = """
(import_statement source: (string) @m)
(call_expression function: (identifier) arguments: (arguments . (string) @m))
"""
_COMPOUND = frozenset(
    {
        "if_statement",
        "else_clause",
        "elif_clause",
        "try_statement",
        "except_clause",
        "finally_clause",
        "with_statement",
        "block",
    }
)


def language_of(path: str) -> str | None:
    """The language a path's extension says, or None."""
    dot = path.rfind(".")
    if dot <= path.rfind("/"):
        return None
    return EXTENSIONS.get(path[dot:].lower())


@cache
def _grammar(language: str) -> Language:
    if language == "python":
        return Language(tree_sitter_python.language())
    if language == "javascript":
        return Language(tree_sitter_javascript.language())
    if language == "typescript":
        return Language(tree_sitter_typescript.language_typescript())
    return Language(tree_sitter_typescript.language_tsx())


@cache
def parser_for(language: str) -> Parser:
    """A (cached, per process) parser for one of :data:`PARSED_LANGUAGES`."""
    return Parser(_grammar(language))


@cache
def _imports_query(language: str) -> Query:
    return Query(_grammar(language), _PY_IMPORTS if language == "python" else _JS_IMPORTS)


def parse_source(language: str, source: bytes) -> dict[str, Any]:
    """Parse ``source``; return ``{symbols, imports, error}`` (error: None or a message)."""
    tree = parser_for(language).parse(source)
    root = tree.root_node
    symbols: list[dict[str, Any]] = []
    if language == "python":
        _python_symbols(root, "", False, symbols)
    else:
        _js_symbols(root, symbols)
    error = None
    if root.has_error:
        line = _first_error_line(root)
        error = f"syntax error at line {line}"
    return {"symbols": symbols, "imports": _imports(language, root), "error": error}


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _symbol(kind: str, name: str, qualname: str, node: Node, documented: bool) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "qualname": qualname,
        "line": node.start_point[0] + 1,
        "end_line": node.end_point[0] + 1,
        "documented": documented,
    }


def _python_symbols(node: Node, prefix: str, in_class: bool, out: list[dict[str, Any]]) -> None:
    for child in node.children:
        kind = child.type
        outer = child
        if kind == "decorated_definition":
            definition = child.child_by_field_name("definition")
            if definition is None:
                continue
            child, kind = definition, definition.type
        if kind in ("class_definition", "function_definition"):
            name = _text(child.child_by_field_name("name"))
            body = child.child_by_field_name("body")
            first = body.named_children[0] if body is not None and body.named_children else None
            documented = (
                first is not None
                and first.type == "expression_statement"
                and first.named_child_count > 0
                and first.named_children[0].type == "string"
            )
            sym_kind = (
                "class" if kind == "class_definition" else ("method" if in_class else "function")
            )
            out.append(_symbol(sym_kind, name, prefix + name, outer, documented))
            if sym_kind == "class" and body is not None:
                _python_symbols(body, f"{prefix}{name}.", True, out)
        elif kind in _COMPOUND:
            _python_symbols(child, prefix, in_class, out)


def _jsdoc_before(node: Node) -> bool:
    previous = node.prev_named_sibling
    return previous is not None and previous.type == "comment" and _text(previous).startswith("/**")


def _js_symbols(program: Node, out: list[dict[str, Any]]) -> None:
    for statement in program.named_children:
        documented = _jsdoc_before(statement)
        declarations = [statement]
        if statement.type == "export_statement":
            declarations = [c for c in statement.named_children if c.type != "comment"]
        for node in declarations:
            _js_declaration(node, documented, out)


def _js_declaration(node: Node, documented: bool, out: list[dict[str, Any]]) -> None:
    kind = node.type
    if kind in ("function_declaration", "generator_function_declaration"):
        name = _text(node.child_by_field_name("name"))
        out.append(_symbol("function", name, name, node, documented))
    elif kind in ("class_declaration", "abstract_class_declaration", "class"):
        name = _text(node.child_by_field_name("name")) or "default"
        out.append(_symbol("class", name, name, node, documented))
        body = node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type in ("method_definition", "abstract_method_signature"):
                method = _text(member.child_by_field_name("name"))
                out.append(
                    _symbol("method", method, f"{name}.{method}", member, _jsdoc_before(member))
                )
    elif kind in ("lexical_declaration", "variable_declaration"):
        for declarator in node.named_children:
            value = declarator.child_by_field_name("value")
            if value is not None and value.type in (
                "arrow_function",
                "function_expression",
                "function",
            ):
                name = _text(declarator.child_by_field_name("name"))
                out.append(_symbol("function", name, name, node, documented))


def _imports(language: str, root: Node) -> list[str]:
    captures = QueryCursor(_imports_query(language)).captures(root)
    modules = captures.get("m", [])
    names = [_text(node).strip("'\"`") for node in modules if _is_import(language, node)]
    return sorted(set(names))


def _is_import(language: str, node: Node) -> bool:
    """A captured string is an import unless it is the argument of a call other than require()."""
    if language == "python" or node.parent is None or node.parent.type != "arguments":
        return True
    call = node.parent.parent
    return call is not None and _text(call.child_by_field_name("function")) == "require"


def _first_error_line(node: Node) -> int:
    while True:
        for child in node.children:
            if child.type == "ERROR" or child.is_missing:
                return child.start_point[0] + 1
            if child.has_error:
                node = child
                break
        else:
            return node.start_point[0] + 1
