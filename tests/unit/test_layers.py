"""The layout's rules: what may import what, and where statuses are spelt.

The API (``api/``) serves requests; the engines (``engine/``) run
migrations; ``clouds/`` reaches other clouds; ``db/`` is the data layer.
The engine and the cloud access never need the API, and the data layer
needs none of the three, so each can be read, tested and changed alone.
"""

import ast
import pathlib

import pytest

import glint_service
from glint_service.clouds import credentials
from glint_service import states
from glintclient import client
from glintclient import states as client_states

ROOT = pathlib.Path(glint_service.__file__).parent


def modules(package):
    """Each module under ``package`` (a path): (its name, its tree)."""
    for path in sorted((ROOT.parent / package).rglob('*.py')):
        name = '.'.join(path.relative_to(ROOT.parent).with_suffix('').parts)
        yield name, ast.parse(path.read_text(), str(path))


def imported(tree):
    """Every module a tree imports, at its top or inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            for alias in node.names:
                yield '%s.%s' % (node.module, alias.name)


def within(name, package):
    return name == package or name.startswith(package + '.')


def breaches(package, forbidden):
    return sorted(
        '%s imports %s' % (name, target)
        for name, tree in modules(package.replace('.', '/'))
        for target in set(imported(tree))
        if any(within(target, f) for f in forbidden))


@pytest.mark.parametrize('package, forbidden', [
    ('glint_service.engine', ['glint_service.api']),
    ('glint_service.clouds', ['glint_service.api']),
    ('glint_service.db', ['glint_service.api', 'glint_service.engine',
                          'glint_service.clouds']),
    ('glint_service', ['glint_dashboard']),
    ('glintclient', ['glint_service', 'glint_dashboard']),
])
def test_a_layer_does_not_import_what_sits_above_it(package, forbidden):
    assert breaches(package, forbidden) == []


def test_the_rule_sees_an_import_inside_a_function():
    tree = ast.parse('def f():\n    from glint_service.api import util\n')
    assert 'glint_service.api.util' in set(imported(tree))


# Where a status's word may stand as text: Glance's own image statuses
# (some share a word with Glint's), and the schema's history.
SPELT_ELSEWHERE = ('glint_service.states', 'glint_service.clouds.glance',
                   'glint_service.db.schema_versions')


def test_statuses_are_spelt_in_states_alone():
    words = set(states.MIGRATION_STATUSES + states.TARGET_STATUSES)
    spelt = sorted(
        '%s:%d %r' % (name, node.lineno, node.value)
        for name, tree in modules('glint_service')
        if not any(within(name, other) for other in SPELT_ELSEWHERE)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in words)
    assert spelt == []


def test_the_clients_statuses_are_the_services():
    names = [name for name in dir(states) if name.isupper()]
    assert names
    assert {n: getattr(client_states, n, None) for n in names} == {
        n: getattr(states, n) for n in names}


def test_the_clients_credential_fields_are_the_services():
    """The client keeps secrets out of its log by these names."""
    assert client.AUTH_FIELDS == credentials.AUTH_FIELDS
    assert client.SECRET_FIELDS == credentials.SECRET_FIELDS
