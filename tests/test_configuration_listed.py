"""Every environment variable the site reads is listed in `.env.example` and explained in
docs/configuration.md, so an operator never has to read the settings to find one."""

import ast
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
HELPERS = {"env_bool", "env_list"}


def variable_named_by(node):
    """The variable an expression reads: os.environ.get("X"), os.environ["X"], os.getenv("X")
    or the settings' env_bool("X") and env_list("X"); None for anything else."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        argument = node.slice
    elif (
        isinstance(node, ast.Call)
        and node.args
        and (ast.unparse(node.func) in {"os.environ.get", "os.getenv", *HELPERS})
    ):
        argument = node.args[0]
    else:
        return None
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    return None


def variables_read(path):
    names = {variable_named_by(node) for node in ast.walk(ast.parse(path.read_text()))}
    return names - {None}


def all_variables_read():
    paths = [
        *sorted((PROJECT_DIR / "cms" / "settings").glob("*.py")),
        PROJECT_DIR / "gunicorn.conf.py",
    ]
    return set().union(*(variables_read(path) for path in paths))


def test_the_settings_read_the_variables_this_test_looks_for():
    assert {"SECRET_KEY", "SITE_URL", "DATABASE_URL", "REDIS_URL", "PORT"} <= all_variables_read()


def test_every_variable_is_in_the_example_environment():
    listed = {
        line.lstrip("# ").split("=")[0]
        for line in (PROJECT_DIR / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert all_variables_read() - listed == set()


def test_every_variable_is_explained():
    explained = (PROJECT_DIR / "docs" / "configuration.md").read_text()
    assert {name for name in all_variables_read() if f"`{name}`" not in explained} == set()
