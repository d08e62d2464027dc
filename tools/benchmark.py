"""Glint's transfer benchmark, against real clouds on loopback.

Run by ``tox -e benchmark``. It brings up four clouds and Glint, and prints,
measured side by side in one run on the same bytes:

* single target: Glint's migration time over a direct upload of the same file
  to the target Glance (the limit), and the naive way (download to a file,
  then upload) over direct;
* three targets: Glint's fan-out time over three direct uploads run in
  parallel, and the bytes read from the source;
* the Glint service's peak RSS while migrating images of two sizes.

The machine is shared and noisy: the ratios hold, absolute times do not. Each
comparison runs ``--repeat`` times, alternating, and the median is printed.
"""

import argparse
import datetime
import os
import sqlite3
import statistics
import tempfile
import threading
import time

import requests

from tests import cloudbed

MiB = 1024 * 1024


def make_file(folder, size):
    path = os.path.join(folder, 'image-%d.raw' % size)
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


def parallel_uploads(clouds, path):
    """Seconds for direct uploads to every cloud at the same time."""
    clients = [logged_in(cloud) for cloud in clouds]
    image_ids = [None] * len(clients)

    def upload(n):
        image_ids[n] = create_and_upload(clients[n], path, 'parallel')

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


class Glint(object):
    def __init__(self, bed):
        self.bed = bed
        local = bed.clouds[0]
        self.session = local.session(local.users['demo'])
        self.remotes = {}
        for cloud in bed.clouds[1:]:
            user = cloud.users['demo']
            self.remotes[cloud.name] = self.post('/v1/clouds', {
                'name': cloud.name, 'auth_url': cloud.auth_url,
                'username': user['username'], 'password': user['password'],
                'project_name': user['project_name']})['id']

    def headers(self):
        return {'X-Auth-Token': self.session.get_token()}

    def post(self, path, body):
        response = requests.post(self.bed.glint.url + path, json=body,
                                 headers=self.headers(),
                                 timeout=cloudbed.REQUEST_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def migrate(self, image_id, clouds):
        """Seconds from the request to the end of the migration.

        The API is polled every half second, as a dashboard would; the end
        is when Glint recorded it, read from its database to the
        microsecond (the API gives whole seconds).
        """
        settle()
        started = datetime.datetime.now(datetime.timezone.utc)
        migration = self.post('/v1/migrations', {
            'image_id': image_id, 'on_conflict': 'copy',
            'targets': [self.remotes[c.name] for c in clouds]})
        while True:
            time.sleep(0.5)
            current = requests.get(
                '%s/v1/migrations/%s' % (self.bed.glint.url,
                                         migration['id']),
                headers=self.headers(),
                timeout=cloudbed.REQUEST_TIMEOUT).json()
            if current['status'] not in ('queued', 'running'):
                break
        elapsed = (self.finished_at(migration['id']) - started
                   ).total_seconds()
        if current['status'] != 'succeeded':
            raise SystemExit('migration failed: %s' % current)
        for target, cloud in zip(current['targets'], clouds):
            cloudbed.glance_client(cloud, cloud.users['demo']).images.delete(
                target['image_id'])
        return elapsed, current

    def finished_at(self, migration_id):
        with sqlite3.connect(self.bed.glint.database_path) as db:
            value, = db.execute('SELECT finished_at FROM migrations '
                                'WHERE id = ?', (migration_id,)).fetchone()
        return datetime.datetime.fromisoformat(value).replace(
            tzinfo=datetime.timezone.utc)


def worker_pid(master_pid):
    with open('/proc/%d/task/%d/children' % (master_pid, master_pid)) as f:
        return int(f.read().split()[0])


def peak_rss(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024


def reset_peak_rss(pid):
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')


def median_ratio(pairs):
    return statistics.median(a / b for a, b in pairs)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--size-mib', type=int, default=1024,
                        help='size of the image for the time ratios')
    parser.add_argument('--rss-sizes-mib', default='256,2048',
                        help='sizes of the images for the RSS figures')
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='glint-benchmark-')
    print('Starting four clouds and Glint in %s ...' % folder, flush=True)
    # Glint as deployed: no debug logging.
    bed = cloudbed.Bed(folder, clouds=4,
                       glint_options={'DEFAULT': {'debug': 'false'}}).start()
    try:
        run(bed, folder, args)
    finally:
        bed.stop()


def run(bed, folder, args):
    local, targets = bed.clouds[0], bed.clouds[1:]
    glint = Glint(bed)
    size = args.size_mib * MiB
    path = make_file(folder, size)
    with open(path, 'rb') as f:
        source = cloudbed.glance_client(local, local.users['demo'])
        image = source.images.create(name='bench', disk_format='raw',
                                     container_format='bare')
        source.images.upload(image['id'], f)
    print('Image of %d MiB in cloud1; %d repeats.\n'
          % (args.size_mib, args.repeat))
    # A round not timed: the logins and first token checks of each way.
    for cloud in targets:
        direct_upload(cloud, path, 'warm-up')
    glint.migrate(image['id'], targets)
    downloads_before = local.image_downloads(image['id'])

    single, naive = [], []
    for i in range(args.repeat):
        direct, (migrated, _) = in_turn(
            i, lambda: direct_upload(targets[0], path, 'direct'),
            lambda: glint.migrate(image['id'], targets[:1]))
        copied = naive_copy(local, targets[0], image['id'], folder, 'naive')
        single.append((migrated, direct))
        naive.append((copied, direct))
        print('  single target, run %d (%s first): direct %.2f s, Glint '
              '%.2f s, naive %.2f s' % (i + 1, first(i), direct, migrated,
                                        copied), flush=True)

    fan_out, reads = [], []
    for i in range(args.repeat):
        parallel, (migrated, migration) = in_turn(
            i, lambda: parallel_uploads(targets, path),
            lambda: glint.migrate(image['id'], targets))
        fan_out.append((migrated, parallel))
        reads.append(migration['bytes_read'])
        print('  three targets, run %d (%s first): 3 direct in parallel '
              '%.2f s, Glint fan-out %.2f s, read %d bytes'
              % (i + 1, first(i), parallel, migrated,
                 migration['bytes_read']), flush=True)
    # The naive copies downloaded once each.
    glint_downloads = (local.image_downloads(image['id'])
                       - downloads_before - args.repeat)

    pid = worker_pid(bed.glint.server.process.pid)
    rss = []
    for size_mib in [int(s) for s in args.rss_sizes_mib.split(',')]:
        big = make_file(folder, size_mib * MiB)
        with open(big, 'rb') as f:
            image_big = source.images.create(
                name='rss-%d' % size_mib, disk_format='raw',
                container_format='bare')
            source.images.upload(image_big['id'], f)
        os.unlink(big)
        reset_peak_rss(pid)
        glint.migrate(image_big['id'], targets[:1])
        rss.append((size_mib, peak_rss(pid)))
        source.images.delete(image_big['id'])

    print('\nResults (medians of %d runs, same bytes, one machine):'
          % args.repeat)
    print('  single target  Glint / direct upload      %.3f   (target <= '
          '1.05)' % median_ratio(single))
    print('  single target  naive / direct upload      %.3f'
          % median_ratio(naive))
    print('  three targets  Glint / 3 parallel direct  %.3f   (target <= '
          '1.10)' % median_ratio(fan_out))
    print('  three targets  bytes read from the source per migration: %s '
          '(image: %d); source downloads by Glint: %d for %d migrations'
          % (sorted(set(reads)), size, glint_downloads,
             2 * args.repeat))
    for size_mib, peak in rss:
        print('  peak RSS of the Glint worker migrating %5d MiB: %.0f MB'
              % (size_mib, peak / 1e6))
    if len(rss) == 2:
        print('  RSS ratio %d MiB / %d MiB: %.3f   (target: within 10%%, '
              'under 200 MB)' % (rss[1][0], rss[0][0], rss[1][1] / rss[0][1]))


if __name__ == '__main__':
    main()
