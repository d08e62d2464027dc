"""A slower machine, on purpose: to show that the tests wait on conditions.

With ``GLINT_SLOW_MACHINE=1`` in the environment (``tox -e functional-slow``
sets it), every server and command the bed starts shares one core
(``taskset -c 0``), and :func:`cpu_hogs` keeps a busy loop on every core
for as long as the tests or the demo run. The bed's servers then get a
fraction of one core where they would have had two: start-up, requests and
transfers all take several times longer than on an idle machine.

Each busy loop is a process in a session of its own, so that Linux's
autogroup scheduling weighs it as much as any one server (nice values do
not reach across sessions there).
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys

VARIABLE = 'GLINT_SLOW_MACHINE'
# The core the bed's servers share.
CORE = '0'


def enabled():
    return os.environ.get(VARIABLE, '') not in ('', '0')


def prefix():
    """What goes before a server's or a command's argv: [] normally."""
    if not enabled():
        return []
    taskset = shutil.which('taskset')
    if taskset is None:
        raise RuntimeError('%s is set, but taskset (util-linux) is missing'
                           % VARIABLE)
    return [taskset, '--cpu-list', CORE]


@contextlib.contextmanager
def cpu_hogs():
    """A busy loop on every core while the block runs, if enabled."""
    hogs = []
    if enabled():
        for _ in range(os.cpu_count() or 1):
            hogs.append(subprocess.Popen(
                [sys.executable, '-c', 'while True: pass'],
                stdin=subprocess.DEVNULL, start_new_session=True))
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.send_signal(signal.SIGKILL)
            hog.wait()
