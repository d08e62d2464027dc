"""A slower machine, on purpose: to show that the tests wait on conditions.

With ``GLINT_SLOW_MACHINE=N`` in the environment (``tox -e functional-slow``
sets 1), every server and command the bed starts shares one core
(``taskset -c 0``), and :func:`cpu_hogs` keeps N busy loops on every core,
each pinned to its core, for as long as the tests or the demo run. The
bed's servers then get a fraction of one core where they would have had
two: start-up, requests and transfers all take several times longer than
on an idle machine.

Each busy loop is a process in a session of its own, so that Linux's
autogroup scheduling weighs it as much as any one server (nice values do
not reach across sessions there); pinned, the scheduler cannot move it off
the servers' core.
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
# Busy until the process that started it is gone (its parent changes).
BUSY_LOOP = ('import os\nparent = os.getppid()\n'
             'os.sched_setaffinity(0, {%d})\n'
             'while os.getppid() == parent: pass')


def loops_per_core():
    value = os.environ.get(VARIABLE, '') or '0'
    if not value.isdigit():
        raise RuntimeError('%s must be a number of busy loops per core, not '
                           '%r' % (VARIABLE, value))
    return int(value)


def enabled():
    return loops_per_core() > 0


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
    """N busy loops on every core while the block runs (see above)."""
    hogs = []
    for core in sorted(os.sched_getaffinity(0)) * loops_per_core():
        hogs.append(subprocess.Popen(
            [sys.executable, '-c', BUSY_LOOP % core],
            stdin=subprocess.DEVNULL, start_new_session=True))
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.send_signal(signal.SIGKILL)
            hog.wait()
