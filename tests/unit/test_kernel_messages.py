"""The kernel's Vietnamese texts live in shared/messages.py (issue 21 item 8): a text a user
reads in an answer is not written in another kernel module. Allowed elsewhere, and why, as the
catalogue's docstring says: a rule's own vocabulary beside the rule, a console tool's help
beside its arguments, and API documentation (descriptions, summaries, tags) beside what it
documents."""

from __future__ import annotations

import ast
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
# Letters only Vietnamese uses among the texts here (never in an English identifier).
VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
CATALOGUE = "messages.py"
VOCABULARY = {"planrules.py", "taskrules.py", "adminunits/model.py", "auth/principal.py"}
CONSOLE_TOOLS = {"auth/keys.py", "auth/devissuer.py", "republish.py", "devserver.py",
                 "migrations.py"}
API_DOCUMENTATION = {"openapi.py", "apidocs.py", "apitexts.py"}
DOCUMENTING_KEYWORDS = {"description", "summary", "title", "tags", "help", "examples"}


def _vietnamese(text: str) -> bool:
    return any(ch in VIETNAMESE for ch in text.lower())


def _stray_texts(source: str) -> list[tuple[int, str]]:
    """Vietnamese string constants that are neither docstrings nor API documentation."""
    tree = ast.parse(source)
    passed: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            passed.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg in DOCUMENTING_KEYWORDS:
            passed.update(id(inner) for inner in ast.walk(node.value))
        if isinstance(node, ast.Dict):  # an OpenAPI fragment: {"description": "..."}
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in DOCUMENTING_KEYWORDS:
                    passed.update(id(inner) for inner in ast.walk(value))
    return [
        (node.lineno, node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in passed and _vietnamese(node.value)
    ]


def test_no_kernel_module_but_the_catalogue_writes_a_users_text() -> None:
    allowed = {CATALOGUE} | VOCABULARY | CONSOLE_TOOLS | API_DOCUMENTATION
    stray = {
        f"shared/{name}:{line}": text[:60]
        for path in sorted(SHARED.rglob("*.py"))
        if (name := path.relative_to(SHARED).as_posix()) not in allowed
        for line, text in _stray_texts(path.read_text(encoding="utf-8"))
    }
    assert stray == {}, "move these texts to shared/messages.py"


def test_the_scan_finds_a_stray_text_and_passes_documentation() -> None:
    source = '''
"""Mô-đun."""
from fastapi import Query
X = Query(description="Trang (từ 1)")
Y = {200: {"description": "Đã thực hiện"}}
raise ValueError("Không hợp lệ")
'''
    assert _stray_texts(source) == [(6, "Không hợp lệ")]


def test_every_allowed_module_exists() -> None:
    for name in {CATALOGUE} | VOCABULARY | CONSOLE_TOOLS | API_DOCUMENTATION:
        assert (SHARED / name).is_file(), name
