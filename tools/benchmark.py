"""Glint's transfer benchmark, against real clouds on loopback.

Run by ``tox -e benchmark``. It brings up four clouds, a Glint of one engine
(the bed's) and a Glint of two engines, and prints, measured side by side in
one run on the same bytes:

* single target: Glint's migration time (from its request, and from its
  engine's claim) over a direct upload of the same file to the target
  Glance (the limit), and the naive way (download to a file, then upload)
  over direct;
* three targets: Glint's fan-out time over three direct uploads run in
  parallel, and the bytes read from the source;
* ten migrations at once, of ten images, each to one target, through the
  Glint of two engines: its time over the same ten direct uploads run in
  parallel, and the whole machine's busy CPU seconds of each way (all the
  clouds run on it: on a machine whose cores are all busy, the time follows
  the CPU);
* the engines' CPU time per GiB moved, for one target and for ten
  migrations;
* the peak RSS of an engine running ten migrations at once, and running one;
* the time of the trust-scoped login an engine makes per migration, and its
  share of a single-target migration;
* the CPU an idle engine uses, looking at the queue every ``[engine]
  poll_interval``;
* an upload of one file to three targets through Glint's API (``POST
  /v1/migrations``, then ``PUT`` of the file to the bed's API under uWSGI)
  over three direct uploads of it run in parallel, the machine's busy CPU
  seconds of each way, and the API's CPU per GiB, its uWSGI workers' and
  its HTTP router's apart;
* a download of an image of the local cloud through Glint's API over a
  direct download from its Glance, and the API's CPU per GiB;
* a web link's file (the image's, on a web server of the bed's host)
  fetched by an engine into three targets, over fetching it once to a file
  and uploading that to the three in parallel;
* the peak RSS of the API's worker receiving an upload of an image's size
  (``--size-mib``) and one of ``--large-mib`` (2 GiB by default), to three
  targets: it should not grow with the size. The upload of 2 GiB shows
  that the API as deployed takes one; its outcome is printed.

The API's worker is found among the uWSGI master's children (its HTTP
router is the one of a single thread). Each uWSGI process's peak RSS
(VmHWM) is reset through /proc/PID/clear_refs before an upload, so that it
is the peak since, whatever came before, without a fresh API for each size
or sampling VmRSS (which could miss a short peak); the worker that received
the upload is the one whose peak rose most above its RSS at the reset. The
large file is made on disk, 1 MiB at a time, and sent from it as the
others are: the benchmark never holds an image in memory.

The machine is shared and noisy: the ratios hold, absolute times do not. Each
comparison runs ``--runs`` times, the two ways taking turns going first, and
the median is printed.
"""

import argparse
import concurrent.futures
import datetime
import functools
import http.server
import os
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time

import requests

from glint_service.clouds import local_keystone
from glint_service.clouds import trusts
from tests import cloudbed

MiB = 1024 * 1024
GiB = 1024 * MiB
# Migrations at once in the ten-migration case.
TEN = 10
# Glint as deployed: no debug logging. Enough transfers at once for the
# bed's one engine to run the ten (for its RSS), and enough quota for them.
OPTIONS = {'DEFAULT': {'debug': 'false'},
           'engine': {'max_transfers': TEN},
           'quota': {'migrations': 2 * TEN}}
# Two engines of five transfers each: the ten migrations run five and five.
TWO_ENGINES_OPTIONS = {'DEFAULT': {'debug': 'false'},
                       'engine': {'max_transfers': TEN // 2},
                       'quota': {'migrations': 2 * TEN}}


# A download through Glint, of an image of the local cloud; from a Glance.
DOWNLOAD = '/v1/clouds/local/images/%s/file'
GLANCE_DOWNLOAD = '/v2/images/%s/file'


def make_file(folder, size, n=0):
    path = os.path.join(folder, 'image-%d-%s.raw' % (size, n))
    block = os.urandom(MiB)
    with open(path, 'wb') as f:
        for i in range(size // MiB):
            f.write(bytes([i % 256]) + block[1:])
    return path


def settle():
    """Write out what earlier runs left dirty, not while the next is timed."""
    os.sync()


class FileBody(object):
    """A file's bytes in chunks of 1 MiB, with its length."""

    def __init__(self, f):
        self.f = f

    def __iter__(self):
        return iter(lambda: self.f.read(MiB), b'')

    def __len__(self):
        return os.fstat(self.f.fileno()).st_size


def upload_file(client, image_id, path):
    """The fastest way to a Glance here: what Glint itself does.

    The file goes with its length (as openstack image create sends it), not
    chunked (as glanceclient sends it, which costs the Glance more), in
    chunks of 1 MiB.
    """
    with open(path, 'rb') as f:
        client.http_client.session.put(
            '/v2/images/%s/file' % image_id, data=FileBody(f),
            headers={'Content-Type': 'application/octet-stream'},
            endpoint_filter={'service_type': 'image', 'interface': 'public'})


def logged_in(cloud):
    """A Glance client of the cloud's demo user, logged in already."""
    client = cloudbed.glance_client(cloud, cloud.users['demo'])
    client.http_client.get_endpoint()
    return client


def create_and_upload(client, path, name):
    image = client.images.create(name=name, disk_format='raw',
                                 container_format='bare')
    upload_file(client, image['id'], path)
    return image['id']


def direct_upload(cloud, path, name):
    """Seconds to create an image and upload the file, once logged in."""
    client = logged_in(cloud)
    settle()
    started = time.monotonic()
    image_id = create_and_upload(client, path, name)
    elapsed = time.monotonic() - started
    client.images.delete(image_id)
    return elapsed


def naive_copy(source, target, image_id, folder, name):
    """Download to a file, then upload it as direct_upload does."""
    path = os.path.join(folder, 'naive.raw')
    client = logged_in(source)
    target_client = logged_in(target)
    settle()
    started = time.monotonic()
    with open(path, 'wb') as f:
        for chunk in client.images.data(image_id):
            f.write(chunk)
    copy_id = create_and_upload(target_client, path, name)
    elapsed = time.monotonic() - started
    os.unlink(path)
    target_client.images.delete(copy_id)
    return elapsed


def download(url, token, size):
    """Seconds to read a download to its end, 1 MiB at a time.

    The bytes are counted, not kept; SystemExit unless they are ``size``.
    """
    settle()
    started = time.monotonic()
    count = 0
    with requests.get(url, headers={'X-Auth-Token': token}, stream=True,
                      timeout=cloudbed.REQUEST_TIMEOUT) as response:
        response.raise_for_status()
        for chunk in response.iter_content(MiB):
            count += len(chunk)
    elapsed = time.monotonic() - started
    if count != size:
        raise SystemExit('%s: %d bytes, not %d' % (url, count, size))
    return elapsed


class WebServer(object):
    """The benchmark's folder on a web server of the bed's host.

    As a distribution's mirror serves its images; the bed's outbound policy
    lets Glint fetch from that host.
    """

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    def __init__(self, folder):
        self.httpd = http.server.ThreadingHTTPServer(
            (cloudbed.HOST, 0),
            functools.partial(self.Handler, directory=folder))
        self.url = 'http://%s:%d/' % (cloudbed.HOST, self.httpd.server_port)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def fetch_then_upload(url, folder, clouds):
    """Seconds to fetch a file once, then upload it to ``clouds``.

    The fetch goes to a file, 1 MiB at a time; the uploads as
    parallel_uploads makes them.
    """
    path = os.path.join(folder, 'fetched.raw')
    settle()
    started = time.monotonic()
    with requests.get(url, stream=True,
                      timeout=cloudbed.REQUEST_TIMEOUT) as response:
        response.raise_for_status()
        with open(path, 'wb') as f:
            for chunk in response.iter_content(MiB):
                f.write(chunk)
    fetched = time.monotonic() - started
    uploaded = parallel_uploads([(cloud, path) for cloud in clouds])
    os.unlink(path)
    return fetched + uploaded


def parallel_uploads(uploads):
    """Seconds for direct uploads of (cloud, file) pairs at the same time."""
    clients = [logged_in(cloud) for cloud, _ in uploads]
    image_ids = [None] * len(clients)

    def upload(n):
        image_ids[n] = create_and_upload(clients[n], uploads[n][1],
                                         'parallel')

    threads = [threading.Thread(target=upload, args=(n,))
               for n in range(len(clients))]
    settle()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for client, image_id in zip(clients, image_ids):
        client.images.delete(image_id)
    return elapsed


def first(run):
    """Which way goes first in run number ``run`` (from 0)."""
    return 'Glint' if run % 2 else 'direct'


def in_turn(run, direct, glint):
    """The results of ``direct()`` and ``glint()``, in turns.

    Of two runs back to back the second is a few per cent slower, whichever
    way it is: the two ways take turns going first.
    """
    if first(run) == 'Glint':
        glint_result = glint()
        return direct(), glint_result
    direct_result = direct()
    return direct_result, glint()


def cpu_seconds(pid):
    """User and system CPU seconds a process has used, all its threads."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def machine_cpu():
    """CPU seconds the whole machine has worked so far, all its cores.

    Not its idle time, nor the time its hypervisor gave to other machines
    (steal).
    """
    with open('/proc/stat') as f:
        user, nice, system, idle, iowait, irq, softirq = [
            int(n) for n in f.readline().split()[1:8]]
    return ((user + nice + system + irq + softirq)
            / os.sysconf('SC_CLK_TCK'))


def machine_cpu_of(run):
    """``run()``'s result, and the machine's CPU seconds meanwhile."""
    before = machine_cpu()
    result = run()
    return result, machine_cpu() - before


def children(pid):
    """A process's children, whichever of its threads started them."""
    found = []
    for task in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/children' % (pid, task)) as f:
                found += [int(child) for child in f.read().split()]
        except FileNotFoundError:
            pass  # A thread that has ended meanwhile.
    return found


def status(pid, field):
    """A number of /proc/PID/status, such as Threads (its sizes are kB)."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])


def engine_worker(engine):
    """The process of a glint-engine that runs the migrations.

    glint-engine is a parent process (oslo.service's launcher) that starts
    the engine in a child process of its own, and starts it again if it
    dies: the child is the one with the engine's threads.
    """
    return max(children(engine.server.process.pid),
               key=lambda pid: status(pid, 'Threads'))


def rss(pid):
    return status(pid, 'VmRSS') * 1024


def peak_rss(pid):
    return status(pid, 'VmHWM') * 1024


def reset_peak_rss(pid):
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')


def uwsgi_processes(master):
    """A uWSGI master's worker processes, and its HTTP router's.

    Its workers run ``--threads`` threads each (4 in the bed); its HTTP
    router, one.
    """
    found = children(master)
    return ([pid for pid in found if status(pid, 'Threads') > 1],
            [pid for pid in found if status(pid, 'Threads') == 1][0])


class Glint(object):
    """One Glint of the bed (its API and engines), as the demo user."""

    def __init__(self, bed, server):
        self.bed = bed
        self.server = server
        local = bed.clouds[0]
        self.session = local.session(local.users['demo'])
        self.remotes = {}
        self.clouds = {}
        for cloud in bed.clouds[1:]:
            user = cloud.users['demo']
            cloud_id = self.post('/v1/clouds', {
                'name': cloud.name, 'auth_url': cloud.auth_url,
                'username': user['username'], 'password': user['password'],
                'project_name': user['project_name']})['id']
            self.remotes[cloud.name] = cloud_id
            self.clouds[cloud_id] = cloud
        self.workers = [engine_worker(e) for e in server.engines]

    def headers(self):
        return {'X-Auth-Token': self.session.get_token()}

    def post(self, path, body):
        response = requests.post(self.server.url + path, json=body,
                                 headers=self.headers(),
                                 timeout=cloudbed.REQUEST_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def migrations(self):
        response = requests.get(self.server.url + '/v1/migrations',
                                headers=self.headers(),
                                timeout=cloudbed.REQUEST_TIMEOUT)
        response.raise_for_status()
        return {m['id']: m for m in response.json()['migrations']}

    def cpu_seconds(self):
        """CPU seconds used so far by the processes of its engines."""
        return sum(cpu_seconds(pid) for pid in self.workers)

    def migrate(self, image_id, clouds):
        """A migration to ``clouds``, timed: see migrate_many."""
        result = self.migrate_many([(image_id, clouds)])
        return result['elapsed'], result['migrations'][0], result

    def migrate_many(self, migrations):
        """Migrations of (image id, target clouds) pairs: see run_many."""
        return self.run_many([{
            'image_id': image_id, 'on_conflict': 'copy',
            'targets': [self.remotes[c.name] for c in clouds]}
            for image_id, clouds in migrations])

    def fetch_link(self, url, clouds):
        """A migration of a web link's file to ``clouds``: see run_many."""
        result = self.run_many([{
            'source': {'url': url}, 'name': 'bench-link',
            'disk_format': 'raw', 'container_format': 'bare',
            'targets': [self.remotes[c.name] for c in clouds]}])
        return result['elapsed'], result['migrations'][0], result

    def run_many(self, bodies):
        """Migrations of these ``POST /v1/migrations`` bodies, all at once.

        The requests go side by side, one thread each. The time runs from
        the first request to the end of the last migration, when Glint
        recorded it, read from its database to the microsecond (the API
        gives whole seconds). Its migrations are listed every half second,
        as a dashboard would. Returns the time, the migrations as the API
        ends them, the engines' CPU seconds, the most migrations seen
        running at once, each one's time from the first request to its
        engine's claim, and the time the requests took.
        """
        cpu_before = self.cpu_seconds()
        settle()
        started = datetime.datetime.now(datetime.timezone.utc)
        with concurrent.futures.ThreadPoolExecutor(len(bodies)) as pool:
            posted = list(pool.map(
                lambda body: self.post('/v1/migrations', body), bodies))
        requested = (datetime.datetime.now(datetime.timezone.utc)
                     - started).total_seconds()
        ids = [m['id'] for m in posted]
        most_running = 0
        while True:
            time.sleep(0.5)
            listed = self.migrations()
            current = [listed[i] for i in ids]
            statuses = [m['status'] for m in current]
            most_running = max(most_running, statuses.count('running'))
            if not set(statuses) & {'queued', 'running'}:
                break
        cpu = self.cpu_seconds() - cpu_before
        elapsed = (max(self.recorded(i, 'finished_at') for i in ids)
                   - started).total_seconds()
        for migration in current:
            if migration['status'] != 'succeeded':
                raise SystemExit('migration failed: %s' % migration)
        waits = [(self.recorded(i, 'started_at') - started).total_seconds()
                 for i in ids]
        for migration in current:
            self.delete_copies(migration)
        return {'elapsed': elapsed, 'migrations': current, 'cpu': cpu,
                'most_running': most_running, 'requested': requested,
                'waits': waits}

    def upload(self, path, clouds, check=True):
        """An upload of the file to ``clouds`` through Glint, timed.

        ``POST /v1/migrations``, then ``PUT`` of the file as upload_file
        sends it to a Glance (with its length, in chunks of 1 MiB), which
        answers once the migration has ended. Returns the seconds from the
        POST to that answer, those of the PUT alone, and the migration;
        SystemExit unless it succeeded, with ``check``.
        """
        headers = dict(self.headers(),
                       **{'Content-Type': 'application/octet-stream'})
        settle()
        started = time.monotonic()
        migration = self.post('/v1/migrations', {
            'source': 'upload', 'name': 'bench-upload', 'disk_format': 'raw',
            'container_format': 'bare', 'size': os.path.getsize(path),
            'targets': [self.remotes[c.name] for c in clouds]})
        put = time.monotonic()
        with open(path, 'rb') as f:
            response = requests.put(
                self.server.url + '/v1/migrations/%s/file' % migration['id'],
                data=FileBody(f), headers=headers,
                timeout=cloudbed.REQUEST_TIMEOUT)
        ended = time.monotonic()
        response.raise_for_status()
        migration = response.json()
        if check and migration['status'] != 'succeeded':
            raise SystemExit('upload failed: %s' % migration)
        self.delete_copies(migration)
        return ended - started, ended - put, migration

    def delete_copies(self, migration):
        """Delete the copies a migration made (Glint deletes failed ones)."""
        for target in migration['targets']:
            if target['status'] == 'succeeded':
                cloud = self.clouds[target['cloud_id']]
                cloudbed.glance_client(
                    cloud, cloud.users['demo']).images.delete(
                    target['image_id'])

    def api_cpu_seconds(self):
        """CPU seconds used so far by its API's uWSGI workers and router."""
        workers, router = uwsgi_processes(self.server.server.process.pid)
        return (sum(cpu_seconds(pid) for pid in workers),
                cpu_seconds(router))

    def api_cpu_of(self, run):
        """``run()``'s result, and its API's CPU seconds meanwhile.

        Those of its uWSGI workers and of its HTTP router, apart.
        """
        before = self.api_cpu_seconds()
        result = run()
        return result, tuple(
            after - was for was, after in zip(before,
                                              self.api_cpu_seconds()))

    def api_peak_rss(self, path, clouds):
        """The peak RSS of the API's worker that receives an upload.

        Each uWSGI process's VmHWM is reset first (through clear_refs, as
        for an engine), so that it is the peak since: the worker that
        received the upload is the one whose peak rose the most above its
        RSS at the reset. Returns that peak, how much it rose, the HTTP
        router's peak, the upload's time and its migration (not checked).
        """
        workers, router = uwsgi_processes(self.server.server.process.pid)
        before = {}
        for pid in workers + [router]:
            reset_peak_rss(pid)
            before[pid] = rss(pid)
        elapsed, _, migration = self.upload(path, clouds, check=False)
        peaks = {pid: peak_rss(pid) for pid in workers + [router]}
        worker = max(workers, key=lambda pid: peaks[pid] - before[pid])
        return {'peak': peaks[worker], 'rise': peaks[worker] - before[worker],
                'router': peaks[router], 'elapsed': elapsed,
                'migration': migration}

    def recorded(self, migration_id, column):
        """A time Glint recorded in its database, to the microsecond."""
        with sqlite3.connect(self.server.database_path) as db:
            value, = db.execute('SELECT %s FROM migrations WHERE id = ?'
                                % column, (migration_id,)).fetchone()
        return datetime.datetime.fromisoformat(value).replace(
            tzinfo=datetime.timezone.utc)


def trust_logins(bed, count):
    """Seconds of ``count`` trust-scoped logins, as an engine makes them.

    A trust from the demo user to Glint's service user, as the API makes
    one per migration; each login is a new session through it, with the
    service user logged in already (an engine logs it in once).
    """
    local = bed.clouds[0]
    user = local.users['demo']
    service = local_keystone.service_session(
        {'auth_url': local.auth_url, 'username': 'glint',
         'password': bed.glint.password, 'user_domain_name': 'Default',
         'project_name': 'service', 'project_domain_name': 'Default'},
        cloudbed.REQUEST_TIMEOUT)
    demo = local.session(user)
    trust_id = trusts.create_in_keystone(
        demo, user['id'], user['project_id'], ['member'], 3600,
        service.get_user_id())
    times = []
    for i in range(count):
        session = trusts.session(service, trust_id,
                                 cloudbed.REQUEST_TIMEOUT)
        started = time.monotonic()
        session.get_token()
        times.append(time.monotonic() - started)
    trusts.delete_in_keystone(demo, trust_id)
    return times


def idle_cpu(pid, seconds=10):
    """CPU seconds per second of an engine with nothing to do."""
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)


def median_ratio(pairs):
    return statistics.median(a / b for a, b in pairs)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--size-mib', type=int, default=256,
                        help='size of each image')
    parser.add_argument('--runs', type=int, default=3,
                        help='runs of each comparison')
    parser.add_argument('--large-mib', type=int, default=2048,
                        help='size of the large upload, whose API worker\'s '
                        'peak RSS is compared with that of an image\'s')
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='glint-benchmark-')
    print('Starting four clouds and two Glints in %s ...' % folder,
          flush=True)
    bed = cloudbed.Bed(folder, clouds=4, glint_options=OPTIONS)
    two = cloudbed.Glint(bed.clouds[0], folder, name='glint-two-engines',
                         engines=2, password=bed.glint.password,
                         options=TWO_ENGINES_OPTIONS)
    bed.start()
    try:
        two.setup(register=False)
        two.start()
        run(bed, two, folder, args)
    finally:
        two.stop()
        bed.stop()
    # Its images take gigabytes; the logs stay when something failed.
    shutil.rmtree(folder)


def run(bed, two_engines, folder, args):
    local, targets = bed.clouds[0], bed.clouds[1:]
    glint = Glint(bed, bed.glint)
    two = Glint(bed, two_engines)
    size = args.size_mib * MiB
    source = cloudbed.glance_client(local, local.users['demo'])

    def upload(path, name):
        with open(path, 'rb') as f:
            image = source.images.create(name=name, disk_format='raw',
                                         container_format='bare')
            source.images.upload(image['id'], f)
        return image['id']

    # Ten images, each to one target, the targets in turn; the first image
    # is also the one of the single-target and three-target cases.
    paths = [make_file(folder, size, n) for n in range(TEN)]
    images = [upload(path, 'bench-%d' % n) for n, path in enumerate(paths)]
    image = images[0]
    ten = [(images[n], [targets[n % len(targets)]]) for n in range(TEN)]
    ten_direct = [(targets[n % len(targets)], paths[n]) for n in range(TEN)]
    small = make_file(folder, MiB, 'small')
    warm_up = upload(small, 'warm-up')
    print('%d images of %d MiB in cloud1; %d runs.\n'
          % (TEN, args.size_mib, args.runs))
    # A round not timed: the logins and first token checks of each way, for
    # each engine and target.
    for cloud in targets:
        direct_upload(cloud, paths[0], 'warm-up')
    glint.migrate(image, targets)
    two.migrate_many([(warm_up, [targets[n % len(targets)]])
                      for n in range(TEN)])
    idle = idle_cpu(glint.workers[0])
    for n in range(4):
        # Four rounds, so that both of the API's uWSGI workers most likely
        # take some: their logins to the targets and first token checks.
        glint.upload(small, targets)
        download(glint.server.url + DOWNLOAD % warm_up,
                 glint.session.get_token(), MiB)
        download(local.glance_url + GLANCE_DOWNLOAD % warm_up,
                 glint.session.get_token(), MiB)

    single, claimed, naive = [], [], []
    single_cpu, posts, waits = [], [], []
    for i in range(args.runs):
        direct, (migrated, _, result) = in_turn(
            i, lambda: direct_upload(targets[0], paths[0], 'direct'),
            lambda: glint.migrate(image, targets[:1]))
        copied = naive_copy(local, targets[0], image, folder, 'naive')
        wait = result['waits'][0]
        single.append((migrated, direct))
        claimed.append((migrated - wait, direct))
        naive.append((copied, direct))
        single_cpu.append(result['cpu'])
        posts.append(result['requested'])
        waits.append(wait)
        print('  single target, run %d (%s first): direct %.2f s, Glint '
              '%.2f s (the request %.2f s, claimed by the engine at %.2f s), '
              'naive %.2f s; engine CPU %.2f s'
              % (i + 1, first(i), direct, migrated, result['requested'],
                 wait, copied, result['cpu']), flush=True)
    logins = trust_logins(bed, 20)

    fan_out, reads = [], []
    downloads_before = local.image_downloads(image)
    for i in range(args.runs):
        parallel, (migrated, migration, _) = in_turn(
            i, lambda: parallel_uploads([(c, paths[0]) for c in targets]),
            lambda: glint.migrate(image, targets))
        fan_out.append((migrated, parallel))
        reads.append(migration['bytes_read'])
        print('  three targets, run %d (%s first): 3 direct in parallel '
              '%.2f s, Glint fan-out %.2f s, read %d bytes'
              % (i + 1, first(i), parallel, migrated,
                 migration['bytes_read']), flush=True)
    glint_downloads = local.image_downloads(image) - downloads_before

    many, many_cpu, machine = [], [], []
    for i in range(args.runs):
        (parallel, direct_cpu), (result, glint_cpu) = in_turn(
            i, lambda: machine_cpu_of(lambda: parallel_uploads(ten_direct)),
            lambda: machine_cpu_of(lambda: two.migrate_many(ten)))
        many.append((result['elapsed'], parallel))
        many_cpu.append(result['cpu'])
        machine.append((glint_cpu, direct_cpu))
        print('  ten migrations, run %d (%s first): 10 direct in parallel '
              '%.2f s, Glint (two engines) %.2f s, %d running at once; '
              'engines\' CPU %.2f s; the machine\'s CPU: direct %.1f s, '
              'Glint %.1f s'
              % (i + 1, first(i), parallel, result['elapsed'],
                 result['most_running'], result['cpu'], direct_cpu,
                 glint_cpu), flush=True)

    # The bed's one engine, up to ten transfers at once: its peak RSS with
    # one migration running, then with ten.
    pid = glint.workers[0]
    reset_peak_rss(pid)
    glint.migrate(image, targets[:1])
    rss_one = peak_rss(pid)
    reset_peak_rss(pid)
    rss_running = glint.migrate_many(ten)['most_running']
    rss_ten = peak_rss(pid)

    # One file to the three targets through Glint's API, whose worker
    # streams the PUT's body to the three at once, and the three direct
    # uploads of it in parallel.
    uploads, upload_machine, upload_api = [], [], []
    for i in range(args.runs):
        (parallel, direct_cpu), ((uploaded, api), glint_cpu) = in_turn(
            i, lambda: machine_cpu_of(
                lambda: parallel_uploads([(c, paths[0]) for c in targets])),
            lambda: machine_cpu_of(lambda: glint.api_cpu_of(
                lambda: glint.upload(paths[0], targets))))
        uploads.append((uploaded[0], parallel))
        upload_machine.append((glint_cpu, direct_cpu))
        upload_api.append(api)
        print('  upload to three, run %d (%s first): 3 direct in parallel '
              '%.2f s, through Glint %.2f s (its PUT %.2f s); the API '
              'workers\' CPU %.2f s, its HTTP router\'s %.2f s; the '
              'machine\'s CPU: direct %.1f s, Glint %.1f s'
              % (i + 1, first(i), parallel, uploaded[0], uploaded[1],
                 api[0], api[1], direct_cpu, glint_cpu), flush=True)

    # The first image, downloaded through Glint's API and from its Glance.
    downloads, download_api = [], []
    for i in range(args.runs):
        direct, (through, api) = in_turn(
            i, lambda: download(local.glance_url + GLANCE_DOWNLOAD % image,
                                glint.session.get_token(), size),
            lambda: glint.api_cpu_of(lambda: download(
                glint.server.url + DOWNLOAD % image,
                glint.session.get_token(), size)))
        downloads.append((through, direct))
        download_api.append(api)
        print('  download, run %d (%s first): direct %.2f s, through Glint '
              '%.2f s; the API workers\' CPU %.2f s, its HTTP router\'s '
              '%.2f s'
              % (i + 1, first(i), direct, through, api[0], api[1]),
              flush=True)

    # The first image's file from a web server, fetched by an engine
    # into the three targets, and fetched once then uploaded to the three.
    web = WebServer(folder)
    url = web.url + os.path.basename(paths[0])
    links, link_reads = [], []
    try:
        for i in range(args.runs):
            direct, (fetched, migration, _) = in_turn(
                i, lambda: fetch_then_upload(url, folder, targets),
                lambda: glint.fetch_link(url, targets))
            links.append((fetched, direct))
            link_reads.append(migration['bytes_read'])
            print('  web link to three, run %d (%s first): fetched once, '
                  'then 3 direct in parallel %.2f s, through Glint %.2f s, '
                  'read %d bytes'
                  % (i + 1, first(i), direct, fetched,
                     migration['bytes_read']), flush=True)
    finally:
        web.stop()

    # The API's worker receiving an upload of the images' size, then one
    # of --large-mib, from a file made for it and deleted after.
    small_peak = glint.api_peak_rss(paths[0], targets)
    if small_peak['migration']['status'] != 'succeeded':
        raise SystemExit('upload failed: %s' % small_peak['migration'])
    large = make_file(folder, args.large_mib * MiB, 'large')
    large_peak = glint.api_peak_rss(large, targets)
    os.unlink(large)

    login = statistics.median(logins)
    migration_time = statistics.median(m for m, _ in single)
    print('\nResults (medians of %d runs, same bytes, one machine):'
          % args.runs)
    print('  single target  Glint / direct upload       %.3f   (target <= '
          '1.05)' % median_ratio(single))
    print('                 from the engine\'s claim / direct upload  '
          '%.3f' % median_ratio(claimed))
    print('                 Glint\'s request took %.2f s; the engine '
          'claimed the migration %.2f s after it was sent'
          % (statistics.median(posts), statistics.median(waits)))
    print('  single target  naive / direct upload       %.3f'
          % median_ratio(naive))
    print('  three targets  Glint / 3 parallel direct   %.3f   (target <= '
          '1.10)' % median_ratio(fan_out))
    print('  three targets  bytes read from the source per migration: %s '
          '(image: %d); source downloads by the engine: %d for %d '
          'migrations' % (sorted(set(reads)), size, glint_downloads,
                          args.runs))
    print('  ten at once    Glint (two engines) / 10 parallel direct   '
          '%.3f   (target <= 1.15)' % median_ratio(many))
    print('                 the machine\'s CPU seconds, Glint / direct   '
          '%.3f (%d cores)' % (median_ratio(machine), os.cpu_count()))
    print('  engine CPU per GiB moved: single target %.2f s, ten '
          'migrations %.2f s'
          % (statistics.median(single_cpu) / (size / GiB),
             statistics.median(many_cpu) / (TEN * size / GiB)))
    print('  peak RSS of an engine: one migration running %.0f MB, ten '
          '(%d seen running at once) %.0f MB: ratio %.3f'
          % (rss_one / 1e6, rss_running, rss_ten / 1e6, rss_ten / rss_one))
    print('  trust-scoped login: %.3f s (median of %d; %.3f to %.3f), %.2f%% '
          'of a single-target migration (%.2f s)'
          % (login, len(logins), min(logins), max(logins),
             100 * login / migration_time, migration_time))
    print('  an idle engine: %.4f s of CPU per second (at the default '
          '[engine] poll_interval)' % idle)
    print('  upload to three  Glint / 3 parallel direct   %.3f   (target '
          '<= 1.10)' % median_ratio(uploads))
    print('                 the machine\'s CPU seconds, Glint / direct   '
          '%.3f' % median_ratio(upload_machine))
    print('                 the API\'s CPU per GiB uploaded: %.2f s in its '
          'worker, %.2f s in its HTTP router'
          % tuple(statistics.median(api[n] for api in upload_api)
                  / (size / GiB) for n in (0, 1)))
    print('  download       Glint / direct              %.3f   (target '
          '<= 1.05)' % median_ratio(downloads))
    print('                 the API\'s CPU per GiB downloaded: %.2f s in '
          'its worker, %.2f s in its HTTP router'
          % tuple(statistics.median(api[n] for api in download_api)
                  / (size / GiB) for n in (0, 1)))
    print('  web link to three  Glint / fetch once + 3 parallel direct   '
          '%.3f   (target <= 1.10); bytes read per migration: %s'
          % (median_ratio(links), sorted(set(link_reads))))
    print('  peak RSS of the API\'s worker receiving an upload to three: '
          '%d MiB %.0f MB (%.0f MB over its RSS before), %d MiB %.0f MB '
          '(%.0f MB over): ratio %.3f (target <= 1.10); its HTTP router\'s '
          '%.0f and %.0f MB'
          % (args.size_mib, small_peak['peak'] / 1e6,
             small_peak['rise'] / 1e6, args.large_mib,
             large_peak['peak'] / 1e6, large_peak['rise'] / 1e6,
             large_peak['peak'] / small_peak['peak'],
             small_peak['router'] / 1e6, large_peak['router'] / 1e6))
    migration = large_peak['migration']
    error = migration['error']
    print('  upload of %d MiB to three through the API under uWSGI: %s, '
          '%d bytes read, in %.1f s%s'
          % (args.large_mib, migration['status'], migration['bytes_read'],
             large_peak['elapsed'], ' (%s)' % error if error else ''))
    if migration['status'] != 'succeeded':
        raise SystemExit('the upload of %d MiB failed' % args.large_mib)


if __name__ == '__main__':
    main()
