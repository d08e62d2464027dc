"""What every test session shares: a slower machine, when asked for.

See tests/slowdown.py: with GLINT_SLOW_MACHINE=1, busy loops keep every
core busy while the tests run.
"""

import pytest

from tests import slowdown


@pytest.fixture(scope='session', autouse=True)
def slow_machine():
    with slowdown.cpu_hogs() as hogs:
        yield hogs
