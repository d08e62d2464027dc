"""Real OpenStack clouds on loopback, for Glint's tests and demo.

Each cloud is its own Keystone and Glance, installed from PyPI, with SQLite
databases, on free loopback ports, in a folder of its own; users and projects
are made through Keystone's own API. A Glint runs beside them (its API
server, registered in the first cloud's Keystone by ``glint-manage
register``, and a glint-engine).

A MariaDB server (Debian's, started by :class:`MariaDB`) or a PostgreSQL
one (:class:`PostgreSQL`) can hold a Glint's database instead of SQLite.
Every server is started by this module, waited for, and stopped by its own
process id. Nothing is written outside the bed's folder (but a PostgreSQL
cluster's data, as root: see there). When something does not start,
:class:`BedError` says what and shows the end of its log.
"""

import concurrent.futures
import getpass
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
import psycopg2
import pymysql
import requests

from tests import pki
from tests import slowdown

BIN = os.path.dirname(sys.executable)
HERE = os.path.dirname(os.path.abspath(__file__))
REGION = 'RegionOne'
# Where every server of the bed listens.
HOST = '127.0.0.1'
# The one network a bed's Glint may reach: its clouds' address.
ALLOWED_NETWORK = HOST + '/32'
# Generous deadlines: on a slow or busy machine, starting three clouds at
# once takes minutes. Only a server that has not answered by then, or has
# exited, fails the bed.
START_TIMEOUT = 600
# The most one request to a server of the bed may take to be answered.
REQUEST_TIMEOUT = 120
# The most a test waits for something to happen (a migration to end, a
# partial image to go): far more than it takes on a busy machine.
WAIT = 300
# Debian puts mariadbd in /usr/sbin, which a user's PATH may lack.
MARIADB_PATH = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin'])
# Debian's PostgreSQL server programs, of the version installed.
POSTGRESQL_BIN = '/usr/lib/postgresql/*/bin'
# PostgreSQL refuses to run as root: as root, the bed runs it as this
# unprivileged user, made when missing.
POSTGRESQL_USER = 'glint-postgresql'


class BedError(Exception):
    """A part of the test bed could not be set up or started."""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def tail(path, lines=40):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return '(no log)'


def run(argv, log_path, env=None):
    """Run a command to its end, its output appended to ``log_path``."""
    with open(log_path, 'a') as log:
        log.write('$ %s\n' % ' '.join(argv))
        log.flush()
        result = subprocess.run(slowdown.prefix() + argv, stdout=log,
                                stderr=subprocess.STDOUT,
                                env=env, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise BedError('%s exited with %d:\n%s'
                       % (' '.join(argv[:3]), result.returncode,
                          tail(log_path)))


def answers(url, timeout=30):
    """Whether an HTTP GET of ``url`` gets an answer that is not a 5xx.

    No answer yet, whatever the reason (the port not open, no answer within
    ``timeout``, a server error while it warms up), is False: the caller
    goes on waiting until its own deadline.
    """
    try:
        return requests.get(url, timeout=timeout).status_code < 500
    except requests.RequestException:
        return False


def wait_for(condition, timeout, what, interval=0.25):
    """Wait until ``condition()`` is true; AssertionError after ``timeout``.

    Returns what ``condition`` returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError('%s: not so within %ds' % (what, timeout))
        time.sleep(interval)


def write_ini(path, sections):
    """An INI file; a list value is its option repeated, once per item."""
    with open(path, 'w') as f:
        for section, options in sections.items():
            f.write('[%s]\n' % section)
            for name, value in options.items():
                for item in value if isinstance(value, list) else [value]:
                    f.write('%s = %s\n' % (name, item))
            f.write('\n')


class Server(object):
    """One server process, on a loopback port, with its log in a file."""

    def __init__(self, name, argv, log_path, url, env=None,
                 stop_signal=signal.SIGINT, answers=None):
        self.name = name
        self.stop_signal = stop_signal
        self.argv = argv
        self.log_path = log_path
        self.url = url
        self.env = env
        # Whether the server takes requests yet: by default, an HTTP GET
        # of ``url`` that gets any answer.
        self.answers = answers or self.answers_http
        self.process = None

    def start(self, timeout=START_TIMEOUT):
        self.launch()
        self.wait_until_up(timeout)

    def launch(self):
        """Start its process, without waiting for it to answer."""
        log = open(self.log_path, 'a')
        try:
            # A session of its own: its process group is the server's pid.
            self.process = subprocess.Popen(
                slowdown.prefix() + self.argv, stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self.env,
                start_new_session=True)
        finally:
            log.close()

    def wait_until_up(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BedError('%s exited with %s at start-up:\n%s'
                               % (self.name, self.process.returncode,
                                  tail(self.log_path)))
            if self.answers():
                return
            time.sleep(0.25)
        self.stop()
        raise BedError('%s did not answer at %s within %ds:\n%s'
                       % (self.name, self.url, timeout,
                          tail(self.log_path)))

    def answers_http(self):
        return answers(self.url)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        self.signal_stop()
        self.wait_stopped()

    def signal_stop(self):
        """Ask the server to stop, by its process id.

        SIGINT is gunicorn's quick shutdown; it stops its workers itself.
        """
        if self.running:
            self.process.send_signal(self.stop_signal)

    def wait_stopped(self, timeout=60):
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        """Stop the server and its workers at once, as a crash would.

        SIGKILL to the process group the server leads (its own pid).
        """
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def gunicorn(name, app, port, log_path, env, pythonpath=None, workers=1,
             threads=4, tls=None):
    """gunicorn serving ``app`` on ``port``.

    ``tls``: (certificate, key, client CAs) files: HTTPS, and a client
    certificate is asked for (optional; one that does not verify against
    the client CAs ends the handshake).
    """
    argv = [os.path.join(BIN, 'gunicorn'), '--bind', '127.0.0.1:%d' % port,
            '--workers', str(workers), '--worker-class', 'gthread',
            '--threads', str(threads), '--timeout', '600',
            '--graceful-timeout', '5', '--access-logfile', log_path]
    if pythonpath:
        argv += ['--pythonpath', pythonpath]
    scheme = 'http'
    if tls:
        scheme = 'https'
        argv += ['--certfile', tls[0], '--keyfile', tls[1],
                 '--ca-certs', tls[2], '--cert-reqs', '1']
    return Server(name, argv + [app], log_path,
                  '%s://127.0.0.1:%d/' % (scheme, port), env=env)


def uwsgi(name, module, port, log_path, env, processes=2, threads=4):
    """uWSGI serving ``module`` ("package.module:application") on ``port``.

    Each worker loads the application itself (lazy-apps), and uWSGI exits
    if it does not load. SIGTERM stops the master, which stops its workers
    (die-on-term). Its HTTP router waits for an answer as long as gunicorn
    did, not 60 s (uWSGI's default), less than a request to a slow remote
    cloud may take. It keeps connections open between requests
    (http-keepalive), as clients expect of HTTP/1.1: without it, a client
    that reuses a connection may find it closed; and passes chunked request
    bodies on (http-chunked-input: see deploy.chunked_input). An upload's
    or a download's client may pause for a minute (socket-timeout), not
    uWSGI's 4 s. Image data passes its router 32 KiB at a time, not 4 KiB
    (http-buffer-size: a third of the API's CPU for a download).
    """
    argv = [os.path.join(BIN, 'uwsgi'), '--master',
            '--http', '127.0.0.1:%d' % port, '--http-timeout', '600',
            '--module', module, '--processes', str(processes),
            '--threads', str(threads), '--lazy-apps', '--need-app',
            '--die-on-term', '--http-keepalive', '--http-chunked-input',
            '--socket-timeout', '60', '--http-buffer-size', '32768']

    def answers():
        # Up once every worker has loaded the application (a worker
        # stopped while loading it would fail, and uWSGI with it).
        with open(log_path, errors='replace') as f:
            log = f.read().rsplit('*** Starting uWSGI', 1)[-1]
        return (log.count("WSGI app 0 (mountpoint='') ready") >= processes
                and server.answers_http())

    server = Server(name, argv, log_path, 'http://127.0.0.1:%d/' % port,
                    env=env, stop_signal=signal.SIGTERM, answers=answers)
    return server


def user_auth(auth_url, user):
    """A keystoneauth plugin for one of the bed's users."""
    return v3.Password(auth_url=auth_url, username=user['username'],
                       password=user['password'], user_domain_name='Default',
                       project_name=user['project_name'],
                       project_domain_name='Default')


class Cloud(object):
    """One cloud: a real Keystone and a real Glance."""

    # The users every cloud has: name -> (project, role).
    USERS = {
        'demo': ('demo', 'member'),
        # Another member of the demo project.
        'colleague': ('demo', 'member'),
        'reader': ('demo', 'reader'),
        'other': ('other', 'member'),
        'operator': ('demo', 'admin'),
    }

    def __init__(self, name, root, token_expiration=None,
                 glance_options=None, x509_front=False):
        self.name = name
        self.root = os.path.join(root, name)
        self.token_expiration = token_expiration
        # More of glance-api.conf: {section: {option: value}}.
        self.glance_options = glance_options or {}
        self.admin_password = secrets.token_urlsafe(12)
        self.keystone_port = free_port()
        self.glance_port = free_port()
        self.keystone_url = 'http://127.0.0.1:%d' % self.keystone_port
        self.auth_url = self.keystone_url + '/v3'
        self.glance_url = 'http://127.0.0.1:%d' % self.glance_port
        # Horizons that may receive this Keystone's WebSSO tokens: their
        # /auth/websso/ URLs (a Horizon of the bed adds its own).
        self.trusted_dashboards = []
        self.users = {}
        self.keystone = None
        self.glance = None
        self.x509 = X509Front(self) if x509_front else None

    def image_downloads(self, image_id):
        """How many times the image's data was asked of this Glance."""
        with open(self.path('glance-server.log')) as f:
            return f.read().count('"GET /v2/images/%s/file' % image_id)

    def version_discoveries(self):
        """How many times Keystone was asked for its API versions."""
        with open(self.path('keystone-server.log')) as f:
            return f.read().count('"GET / HTTP')

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def oidc_key_file(self):
        return self.path('oidc-front.key')

    def oidc_key(self):
        """The key that signs the access tokens its Keystone accepts."""
        with open(self.oidc_key_file, 'rb') as f:
            return f.read().strip()

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        self._start_keystone()
        self._make_users()
        self._start_glance()

    def servers(self):
        return [s for s in (self.glance, self.x509 and self.x509.server,
                            self.keystone) if s is not None]

    # Keystone.

    def _start_keystone(self):
        conf = self.path('keystone.conf')
        log = self.path('keystone.log')
        sections = {
            'DEFAULT': {'log_file': log},
            'database': {'connection': 'sqlite:///%s'
                         % self.path('keystone.sqlite')},
            'fernet_tokens': {'key_repository': self.path('fernet-keys')},
            'fernet_receipts': {'key_repository':
                                self.path('fernet-receipts')},
            'credential': {'key_repository': self.path('credential-keys')},
            'token': {},
            # Cached as a deployed Keystone is (DevStack uses memcached): one
            # worker process, so its memory is the cache. A trust is made in
            # 11 ms instead of 47.
            'cache': {'enabled': 'true', 'backend': 'dogpile.cache.memory'},
            # Federated login: x509 behind a TLS front (X509Front), openid
            # with an OIDC provider; WebSSO for the bed's Horizons.
            'auth': {'methods': 'password,token,mapped,'
                                'application_credential,x509,openid'},
            # The bearer front (keystone_oidc_wsgi) names the issuer so.
            'openid': {'remote_id_attribute': 'OIDC-iss'},
            'federation': {
                'trusted_dashboard': self.trusted_dashboards,
                'sso_callback_template': os.path.join(
                    sys.prefix, 'etc', 'keystone',
                    'sso_callback_template.html')},
        }
        if self.token_expiration:
            sections['token']['expiration'] = self.token_expiration
        write_ini(conf, sections)
        if self.x509:
            # Its own memory cache would not see what the other process
            # changes (a user removed, say): the front's Keystone has none.
            sections['cache'] = {'enabled': 'false'}
            write_ini(self.path('keystone-front.conf'), sections)
        manage = [os.path.join(BIN, 'keystone-manage'), '--config-file',
                  conf]
        owner = ['--keystone-user', str(os.getuid()),
                 '--keystone-group', str(os.getgid())]
        run(manage + ['db_sync'], log)
        run(manage + ['fernet_setup'] + owner, log)
        run(manage + ['credential_setup'] + owner, log)
        # One word with its option: a password may start with "-".
        run(manage + ['bootstrap',
                      '--bootstrap-password=%s' % self.admin_password,
                      '--bootstrap-public-url', self.keystone_url,
                      '--bootstrap-internal-url', self.keystone_url,
                      '--bootstrap-region-id', REGION], log)
        # The key of the access tokens its OpenID Connect front accepts:
        # those of a stand-in provider a test starts (oidc_provider).
        fd = os.open(self.oidc_key_file, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(secrets.token_urlsafe(32))
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=conf,
                   GLINT_BED_OIDC_KEY_FILE=self.oidc_key_file)
        self.keystone = gunicorn('keystone of %s' % self.name,
                                 'keystone_oidc_wsgi:application',
                                 self.keystone_port,
                                 self.path('keystone-server.log'), env,
                                 pythonpath=HERE)
        self.keystone.start()

    def admin_user(self):
        return {'username': 'admin', 'password': self.admin_password,
                'project_name': 'admin'}

    def session(self, user):
        return ks_session.Session(auth=user_auth(self.auth_url, user))

    def admin_client(self):
        return ks_client.Client(session=self.session(self.admin_user()),
                                interface='public')

    def _make_users(self):
        client = self.admin_client()
        projects = {name: client.projects.create(name, 'default')
                    for name in ('demo', 'other', 'service')}
        roles = {role.name: role for role in client.roles.list()}
        for role in ('member', 'reader', 'admin', 'service'):
            if role not in roles:
                roles[role] = client.roles.create(role)
        for name, (project, role) in self.USERS.items():
            self.users[name] = self.make_user(client, name, projects[project],
                                              roles[role])
        self.glance_user = self.make_user(client, 'glance',
                                          projects['service'],
                                          roles['service'])
        service = client.services.create('glance', type='image')
        client.endpoints.create(service, self.glance_url,
                                interface='public', region=REGION)
        client.endpoints.create(service, self.glance_url,
                                interface='internal', region=REGION)
        # A region with an identity endpoint but no Glance.
        client.regions.create(id='NoGlance')

    def make_user(self, client, name, project, role):
        password = secrets.token_urlsafe(12)
        user = client.users.create(name, domain='default', password=password,
                                   default_project=project)
        client.roles.grant(role, user=user, project=project)
        return {'username': name, 'password': password, 'id': user.id,
                'project_name': project.name, 'project_id': project.id}

    # Glance.

    def _start_glance(self):
        folder = self.path('glance')
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(sys.prefix, 'etc', 'glance',
                                 'glance-api-paste.ini'), folder)
        conf = os.path.join(folder, 'glance-api.conf')
        log = self.path('glance.log')
        options = {
            'DEFAULT': {'enabled_backends': 'fs:file', 'log_file': log},
            'glance_store': {'default_backend': 'fs'},
            'fs': {'filesystem_store_datadir': self.path('images')},
            'os_glance_staging_store': {
                'filesystem_store_datadir': self.path('staging')},
            'os_glance_tasks_store': {
                'filesystem_store_datadir': self.path('tasks')},
            'database': {'connection': 'sqlite:///%s'
                         % self.path('glance.sqlite')},
            'paste_deploy': {
                'flavor': 'keystone',
                'config_file': os.path.join(folder,
                                            'glance-api-paste.ini')},
            'oslo_concurrency': {'lock_path': self.path('locks')},
            'keystone_authtoken': {
                'www_authenticate_uri': self.auth_url,
                'auth_url': self.auth_url,
                'auth_type': 'password',
                'username': 'glance',
                'password': self.glance_user['password'],
                'user_domain_name': 'Default',
                'project_name': 'service',
                'project_domain_name': 'Default',
            },
        }
        for section, values in self.glance_options.items():
            options.setdefault(section, {}).update(values)
        write_ini(conf, options)
        run([os.path.join(BIN, 'glance-manage'), '--config-file', conf,
             'db_sync'], log)
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR=folder)
        self.glance = gunicorn('glance of %s' % self.name,
                               'glance_wsgi:application',
                               self.glance_port,
                               self.path('glance-server.log'), env,
                               pythonpath=HERE)
        self.glance.start()


class X509Front(object):
    """A TLS front for a cloud's Keystone that verifies client certificates.

    gunicorn on a port of its own runs Keystone's app (on the cloud's
    database and keys) wrapped by tests/keystone_x509_front.py, which hands
    Keystone the verified certificate's DNs as mod_ssl does. The cloud's
    plain port stays for everything else. Its server certificate, for
    127.0.0.1, is issued by ``cas[0]``; it takes client certificates of
    any of ``cas`` (three CAs of its own, made here).

    It starts when a test first needs it (``start``), any time after its
    cloud: the bed's start does not wait for it.
    """

    CA_NAMES = ('Glint Test CA', 'Glint Test CA 2', 'Glint Test CA 3')

    def __init__(self, cloud):
        self.cloud = cloud
        self.port = free_port()
        self.url = 'https://127.0.0.1:%d' % self.port
        self.auth_url = self.url + '/v3'
        self.cas = [pki.Authority.create('%s (%s)' % (name, cloud.name))
                    for name in self.CA_NAMES]
        self.server = None

    def path(self, *parts):
        return self.cloud.path('pki', *parts)

    @property
    def ca_path(self):
        """The CA file that verifies the front's server certificate."""
        return self.path('ca.pem')

    def federated_url(self, idp, protocol='x509'):
        """Where a client logs in through identity provider ``idp``."""
        return ('%s/OS-FEDERATION/identity_providers/%s/protocols/%s/auth'
                % (self.auth_url, idp, protocol))

    def start(self):
        """Start it unless it runs already (once its cloud has started).

        Returns itself.
        """
        if self.server is None:
            self._launch()
            self.server.wait_until_up(START_TIMEOUT)
        return self

    def _launch(self):
        os.makedirs(self.path(), exist_ok=True)
        pki.write_bundle(self.ca_path, self.cas[:1])
        certificate, key = self.cas[0].issue(
            'keystone of %s' % self.cloud.name, server_ip=HOST).write(
            self.path(), 'server')
        client_cas = pki.write_bundle(self.path('client-cas.pem'), self.cas)
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.cloud.path(
            'keystone-front.conf'))
        self.server = gunicorn(
            'keystone TLS front of %s' % self.cloud.name,
            'keystone_x509_front:application', self.port,
            self.cloud.path('keystone-front-server.log'), env,
            pythonpath=HERE, tls=(certificate, key, client_cas))
        self.server.answers = self.answers
        self.server.launch()

    def answers(self):
        try:
            return requests.get(self.url, verify=self.ca_path,
                                timeout=30).status_code < 500
        except requests.RequestException:
            return False


class Engine(object):
    """A real glint-engine process, with its log in a file of its own."""

    def __init__(self, name, conf_path, log_path, env):
        self.name = name
        self.log_path = log_path
        self._log_start = 0
        self.server = Server(
            name, [os.path.join(BIN, 'glint-engine'), '--config-file',
                   conf_path], log_path, None, env=env,
            stop_signal=signal.SIGTERM, answers=self.is_up)

    def start(self, timeout=START_TIMEOUT):
        self._log_start = (os.path.getsize(self.log_path)
                           if os.path.exists(self.log_path) else 0)
        self.server.start(timeout)

    def is_up(self):
        """Whether it has started its loop (its log says so)."""
        return 'transfers at once' in self.log()

    def log(self):
        """What it has logged since it was last started."""
        try:
            with open(self.log_path, errors='replace') as log:
                log.seek(self._log_start)
                return log.read()
        except OSError:
            return ''

    def stop(self):
        self.server.stop()

    def kill(self):
        self.server.kill()


class Glint(object):
    """A real Glint: its API server and its engines, on one database.

    The API server is registered in ``cloud``'s Keystone; ``engines``
    glint-engine processes run beside it. The API runs under gunicorn, or
    under uWSGI with ``server='uwsgi'``.
    """

    def __init__(self, cloud, root, name='glint', engines=1,
                 keystone_url=None, password=None, options=None,
                 database_path=None, database_url=None, key_file=None,
                 server='gunicorn'):
        self.cloud = cloud
        self.root = os.path.join(root, name)
        # The Keystone that checks tokens: the cloud's, unless told.
        self.keystone_url = keystone_url or cloud.auth_url
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.password = password or secrets.token_urlsafe(12)
        self.options = options or {}
        self.conf_path = os.path.join(self.root, 'glint.conf')
        self.policy_path = os.path.join(self.root, 'policy.yaml')
        self.log_path = os.path.join(self.root, 'glint-api.log')
        self.database_path = database_path or os.path.join(self.root,
                                                           'glint.sqlite')
        # An SQLite file unless told (a MariaDB database, for instance).
        self.database_url = database_url or 'sqlite:///' + self.database_path
        self.key_file = key_file or os.path.join(self.root, 'credential.key')
        self.env = dict(os.environ, OS_GLINT_CONFIG_FILES=self.conf_path)
        app = 'glint_service.wsgi.api:application'
        if server == 'uwsgi':
            self.server = uwsgi(name, app, self.port, self.log_path,
                                self.env)
        else:
            self.server = gunicorn(name, app, self.port, self.log_path,
                                   self.env)
        self.engines = [
            Engine('%s-engine-%d' % (name, i + 1), self.conf_path,
                   os.path.join(self.root, 'glint-engine-%d.log' % (i + 1)),
                   self.env)
            for i in range(engines)]

    def engine_logs(self):
        """What every engine has logged, in the files of the bed."""
        said = []
        for engine in self.engines:
            try:
                with open(engine.log_path, errors='replace') as log:
                    said.append(log.read())
            except OSError:
                pass
        return '\n'.join(said)

    def manage(self, *args, admin=False):
        """Run glint-manage; as the cloud's admin with ``admin``."""
        env = dict(self.env)
        if admin:
            env.update(self.cloud_admin_env())
        argv = slowdown.prefix() + [os.path.join(BIN, 'glint-manage')] + list(
            args)
        result = subprocess.run(argv, env=env, capture_output=True,
                                text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise BedError('glint-manage %s exited with %d:\n%s%s'
                           % (' '.join(args), result.returncode,
                              result.stdout, result.stderr))
        return result.stdout

    def cloud_admin_env(self):
        return {'OS_AUTH_URL': self.cloud.auth_url,
                'OS_USERNAME': 'admin',
                'OS_PASSWORD': self.cloud.admin_password,
                'OS_PROJECT_NAME': 'admin',
                'OS_USER_DOMAIN_NAME': 'Default',
                'OS_PROJECT_DOMAIN_NAME': 'Default',
                'OS_REGION_NAME': REGION}

    def setup(self, register=True):
        os.makedirs(self.root, exist_ok=True)
        with open(self.policy_path, 'w') as f:
            f.write('{}\n')
        sections = {
            'DEFAULT': {'state_path': self.root, 'debug': 'true'},
            'database': {'connection': self.database_url},
            'crypto': {'key_file': self.key_file},
            'api': {'public_endpoint': self.url},
            'keystone_authtoken': {
                'www_authenticate_uri': self.keystone_url,
                'auth_url': self.keystone_url,
                'auth_type': 'password',
                'username': 'glint',
                'password': self.password,
                'user_domain_name': 'Default',
                'project_name': 'service',
                'project_domain_name': 'Default',
            },
            'oslo_policy': {'policy_file': self.policy_path},
            # As patient with the bed's clouds as the tests are with Glint.
            'remote_clouds': {'timeout': REQUEST_TIMEOUT / 2,
                              'deadline': REQUEST_TIMEOUT},
            # The bed's clouds are on 127.0.0.1; the rest of loopback stands
            # for the control plane's own addresses, which Glint must not
            # reach (see tests/functional/test_outbound.py).
            'outbound': {'allowed_networks': ALLOWED_NETWORK},
        }
        for section, options in self.options.items():
            sections.setdefault(section, {}).update(options)
        write_ini(self.conf_path, sections)
        self.manage('key', 'create')
        self.manage('db', 'sync')
        if register:
            self.register_output = self.manage('register', '--public-url',
                                               self.url, admin=True)

    def start(self):
        self.server.start()
        for engine in self.engines:
            engine.start()

    def servers(self):
        return [self.server] + [engine.server for engine in self.engines]

    def stop(self):
        """Stop the API and the engines: all are told at once."""
        for server in self.servers():
            server.signal_stop()
        for server in self.servers():
            server.wait_stopped()


class MariaDB(object):
    """A real MariaDB server on loopback (Debian's mariadbd).

    Its data and socket are in a folder of its own; root logs in on that
    socket without a password. Glint reaches it over TCP as the user
    ``glint``, with a password and every right (as DevStack's services reach
    DevStack's server as its root user).
    """

    def __init__(self, root):
        self.root = os.path.join(root, 'mariadb')
        self.port = free_port()
        self.socket = os.path.join(self.root, 'mariadb.sock')
        self.data = os.path.join(self.root, 'data')
        self.log_path = os.path.join(self.root, 'mariadb.log')
        self.password = secrets.token_hex(12)
        # As root, mariadbd runs only if told to run as root.
        user = '--user=%s' % getpass.getuser()
        self.install_argv = ['mariadb-install-db', '--no-defaults', user,
                             '--datadir=%s' % self.data, '--skip-test-db',
                             '--auth-root-authentication-method=normal']
        argv = ['mariadbd', '--no-defaults', user, '--datadir=%s' % self.data,
                '--socket=%s' % self.socket, '--port=%d' % self.port,
                '--bind-address=127.0.0.1', '--skip-name-resolve',
                '--innodb-buffer-pool-size=64M',
                '--pid-file=%s' % os.path.join(self.root, 'mariadb.pid')]
        self.env = dict(os.environ, PATH=MARIADB_PATH)
        self.server = Server('mariadb', argv, self.log_path, self.socket,
                             env=self.env, stop_signal=signal.SIGTERM,
                             answers=self.answers)

    def start(self):
        for program in ('mariadb-install-db', 'mariadbd'):
            if not shutil.which(program, path=MARIADB_PATH):
                raise BedError('%s is missing: install Debian\'s '
                               'mariadb-server-core and mariadb-client-core '
                               '(tox -e functional does).' % program)
        os.makedirs(self.root, exist_ok=True)
        run(self.install_argv, self.log_path, self.env)
        self.server.start()
        self._as_root("CREATE USER 'glint'@'127.0.0.1' IDENTIFIED BY %s",
                      self.password)
        self._as_root("GRANT ALL ON *.* TO 'glint'@'127.0.0.1'")

    def stop(self):
        self.server.stop()

    def connect_as_root(self):
        return pymysql.connect(unix_socket=self.socket, user='root',
                               autocommit=True)

    def answers(self):
        try:
            self.connect_as_root().close()
            return True
        except pymysql.err.OperationalError:
            return False

    def _as_root(self, statement, *args):
        with self.connect_as_root() as connection:
            with connection.cursor() as cursor:
                cursor.execute(statement, args or None)

    def url(self, database, charset='utf8mb4'):
        """The SQLAlchemy URL of ``database``, as the user ``glint``."""
        return ('mysql+pymysql://glint:%s@127.0.0.1:%d/%s?charset=%s'
                % (self.password, self.port, database, charset))

    def create_database(self, name, charset='utf8mb4'):
        """A new empty database for Glint, and its SQLAlchemy URL.

        DevStack's are in ``utf8`` (MySQL's utf8mb3), reached so too.
        """
        self._as_root('CREATE DATABASE `%s` CHARACTER SET %s'
                      % (name, charset))
        return self.url(name, charset)


class PostgreSQL(object):
    """A real PostgreSQL server on loopback (Debian's postgres).

    A cluster of its own, made by initdb: its superuser ``postgres`` logs in
    on the cluster's own unix socket without a password. Glint reaches it
    over TCP as the user ``glint``, with a password, owner of the databases
    made for it. A system cluster (on 5432) is left alone.

    PostgreSQL refuses to run as root. As root, initdb and the server run as
    the unprivileged user ``glint-postgresql`` (made when missing), and the
    cluster's data and socket are in a folder of that user's in the
    system's temporary folder (the tests' own folders are closed to other
    users), removed when the server stops; its log stays in ``root``.
    """

    def __init__(self, root):
        self.root = os.path.join(root, 'postgresql')
        self.port = free_port()
        self.log_path = os.path.join(self.root, 'postgresql.log')
        self.password = secrets.token_hex(12)
        # The cluster's folder, its data and socket: made at start.
        self.home = None
        self.server = None

    def start(self):
        found = glob.glob(os.path.join(POSTGRESQL_BIN, 'postgres'))
        if not found:
            raise BedError("%s is missing: install Debian's postgresql (tox "
                           "-e functional does)."
                           % os.path.join(POSTGRESQL_BIN, 'postgres'))
        # The newest version, if there are several (/usr/lib/postgresql/15).
        bin_dir = os.path.dirname(max(found, key=lambda path: [
            int(n) for n in path.split(os.sep)[-3].split('.') if n.isdigit()]))
        os.makedirs(self.root, exist_ok=True)
        try:
            self._start(bin_dir)
        except BaseException:
            self.stop()
            raise

    def _start(self, bin_dir):
        as_user = []
        if os.geteuid() == 0:
            user = self._unprivileged_user()
            as_user = ['setpriv', '--reuid=%d' % user.pw_uid,
                       '--regid=%d' % user.pw_gid, '--clear-groups', '--']
            self.home = tempfile.mkdtemp(prefix='glint-postgresql-')
            os.chown(self.home, user.pw_uid, user.pw_gid)
        else:
            self.home = os.path.join(self.root, 'cluster')
            os.makedirs(self.home)
        data = os.path.join(self.home, 'data')
        run(as_user + [os.path.join(bin_dir, 'initdb'), '--pgdata', data,
                       '--username=postgres', '--encoding=UTF8',
                       '--no-locale', '--auth-local=trust',
                       '--auth-host=scram-sha-256'], self.log_path)
        argv = as_user + [os.path.join(bin_dir, 'postgres'), '-D', data,
                          '-c', 'listen_addresses=%s' % HOST,
                          '-c', 'port=%d' % self.port,
                          '-c', 'unix_socket_directories=%s' % self.home]
        # SIGINT: its fast shutdown, which ends the sessions still open.
        self.server = Server('postgresql', argv, self.log_path,
                             'postgresql://%s:%d' % (HOST, self.port),
                             answers=self.answers)
        self.server.start()
        self._as_superuser('CREATE ROLE glint LOGIN PASSWORD %s',
                           self.password)

    def stop(self):
        if self.server is not None:
            self.server.stop()
        if self.home is not None and os.geteuid() == 0:
            shutil.rmtree(self.home, ignore_errors=True)

    @staticmethod
    def _unprivileged_user():
        try:
            return pwd.getpwnam(POSTGRESQL_USER)
        except KeyError:
            pass
        # Another test run may make it at the same moment.
        subprocess.run(['useradd', '--system', '--user-group',
                        '--no-create-home', '--home-dir', '/nonexistent',
                        '--shell', '/usr/sbin/nologin', POSTGRESQL_USER],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            return pwd.getpwnam(POSTGRESQL_USER)
        except KeyError:
            raise BedError('PostgreSQL refuses to run as root, and the user '
                           '%s could not be made.' % POSTGRESQL_USER)

    def connect_as_superuser(self, database='postgres'):
        connection = psycopg2.connect(host=self.home, port=self.port,
                                      user='postgres', dbname=database)
        connection.autocommit = True
        return connection

    def answers(self):
        try:
            self.connect_as_superuser().close()
            return True
        except psycopg2.OperationalError:
            return False

    def _as_superuser(self, statement, *args):
        connection = self.connect_as_superuser()
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, args or None)
        finally:
            connection.close()

    def url(self, database):
        """The SQLAlchemy URL of ``database``, as the user ``glint``."""
        return ('postgresql+psycopg2://glint:%s@%s:%d/%s'
                % (self.password, HOST, self.port, database))

    def create_database(self, name):
        """A new empty database for Glint, and its SQLAlchemy URL."""
        self._as_superuser('CREATE DATABASE "%s" OWNER glint ENCODING '
                           "'UTF8' TEMPLATE template0" % name)
        return self.url(name)


class Horizon(object):
    """Real Horizon with Glint's panels, logging in to ``cloud``'s Keystone.

    Django's own server runs the installed Horizon with the settings of
    tests/horizon/local (see there); its state is in the bed's folder.
    ``x509_login``: its login page offers "X.509 certificate" (WebSSO)
    through ``{"idp": ..., "keystone_url": ..., "cacert": ...}``: the
    identity provider of the certificates' CA, the Keystone URL of the TLS
    front that verifies them, and the CA of the front's certificate.
    """

    def __init__(self, cloud, root, x509_login=None):
        self.root = os.path.join(root, 'horizon')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        # What a browser names its pages' origin (Glint's [cors]
        # allowed_origin).
        self.origin = self.url
        self.login_url = self.url + '/auth/login/'
        # Keystone hands WebSSO tokens to trusted dashboards only (set
        # before the cloud starts).
        cloud.trusted_dashboards.append(self.url + '/auth/websso/')
        env = dict(os.environ,
                   PYTHONPATH=os.pathsep.join([os.path.join(HERE, 'horizon'),
                                               os.path.dirname(HERE)]),
                   GLINT_HORIZON_STATE=self.root,
                   GLINT_HORIZON_SECRET_KEY=secrets.token_urlsafe(32),
                   GLINT_HORIZON_KEYSTONE_URL=cloud.auth_url)
        if x509_login:
            env.update(GLINT_HORIZON_X509_IDP=x509_login['idp'],
                       GLINT_HORIZON_WEBSSO_URL=x509_login['keystone_url'],
                       GLINT_HORIZON_CACERT=x509_login['cacert'])
        argv = [sys.executable, '-m', 'django', 'runserver', '--noreload',
                '--insecure', '--settings', 'openstack_dashboard.settings',
                '127.0.0.1:%d' % self.port]
        self.server = Server('horizon', argv,
                             os.path.join(self.root, 'horizon.log'),
                             self.url + '/static/', env=env,
                             stop_signal=signal.SIGTERM)

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        # Up once its login page is shown: the first one compiles Horizon's
        # stylesheets, which takes a while.
        self.server.answers = self.shows_login_page
        self.server.start()

    def shows_login_page(self):
        try:
            response = requests.get(self.login_url, timeout=REQUEST_TIMEOUT)
        except requests.RequestException:
            return False
        return response.status_code == 200

    def stop(self):
        self.server.stop()


class Bed(object):
    """N real clouds and a Glint API server registered in the first."""

    def __init__(self, root, clouds=2, token_expiration=None,
                 glint_options=None, x509_fronts=0):
        self.root = root
        # The first ``x509_fronts`` clouds have a TLS front (X509Front),
        # started by the tests that use it.
        self.clouds = [Cloud('cloud%d' % (i + 1), root, token_expiration,
                             x509_front=i < x509_fronts)
                       for i in range(clouds)]
        # Its API under uWSGI, as DevStack runs it, with an engine beside.
        self.glint = Glint(self.clouds[0], root, options=glint_options,
                           server='uwsgi')

    def start(self):
        try:
            with concurrent.futures.ThreadPoolExecutor(len(self.clouds)) as p:
                for future in [p.submit(c.start) for c in self.clouds]:
                    future.result()
            self.glint.setup()
            self.glint.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stop every server: all are told at once, then waited for."""
        servers = self.glint.servers()
        for cloud in self.clouds:
            servers += cloud.servers()
        for server in servers:
            server.signal_stop()
        for server in servers:
            server.wait_stopped()


def glance_client(cloud, user):
    """glanceclient for one of the bed's users in one of its clouds."""
    from glanceclient import client as glance_client
    return glance_client.Client('2', session=cloud.session(user),
                                interface='public')


def upload_image(cloud, user, data, name, **properties):
    """A new active image holding ``data`` (bytes), raw and bare by default."""
    import io

    client = glance_client(cloud, user)
    properties.setdefault('disk_format', 'raw')
    properties.setdefault('container_format', 'bare')
    image = client.images.create(name=name, **properties)
    client.images.upload(image['id'], io.BytesIO(data))
    return dict(client.images.get(image['id']))


# Debian's /usr/sbin/rabbitmq-server runs, as root, the script behind it as
# the user rabbitmq in the system's folders: the bed runs that script itself.
RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'


class RabbitMQ(object):
    """A real RabbitMQ server on loopback (Debian's rabbitmq-server).

    A node of its own: its name, configuration, data, logs and Erlang
    cookie are in a folder of its own, its AMQP and Erlang distribution
    ports are free loopback ports, and it runs no plugin. Its one user, with
    a password of its own, is made at its first start from its
    configuration file. A system RabbitMQ node (on 5672) is left alone; epmd
    (on 4369) is shared with it.
    """

    def __init__(self, root):
        self.root = os.path.join(root, 'rabbitmq')
        self.port = free_port()
        self.user = 'glint'
        self.password = secrets.token_hex(12)
        self.log_path = os.path.join(self.root, 'rabbitmq.log')
        self.conf_path = os.path.join(self.root, 'rabbitmq.conf')
        path = self.path
        self.env = dict(
            os.environ,
            # Where Erlang keeps the node's cookie.
            HOME=self.root,
            ERL_CRASH_DUMP=path('erl_crash.dump'),
            RABBITMQ_NODENAME='glint-%s@localhost' % secrets.token_hex(4),
            RABBITMQ_NODE_IP_ADDRESS=HOST,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(free_port()),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                '-kernel inet_dist_use_interface {127,0,0,1}'),
            # Instead of /etc/rabbitmq's files, which may not exist.
            RABBITMQ_CONF_ENV_FILE=path('rabbitmq-env.conf'),
            RABBITMQ_CONFIG_FILE=self.conf_path,
            RABBITMQ_ADVANCED_CONFIG_FILE=path('advanced.config'),
            RABBITMQ_ENABLED_PLUGINS_FILE=path('enabled_plugins'),
            RABBITMQ_MNESIA_BASE=path('mnesia'),
            RABBITMQ_LOG_BASE=path('log'),
            RABBITMQ_PID_FILE=path('rabbitmq.pid'),
            # Its log on its standard output, in log_path.
            RABBITMQ_LOGS='-')
        # Named by its address alone: its password stays out of messages.
        self.server = Server('rabbitmq', [RABBITMQ_SERVER], self.log_path,
                             'amqp://%s:%d' % (HOST, self.port),
                             env=self.env, stop_signal=signal.SIGTERM,
                             answers=self.answers)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def url(self):
        """The oslo.messaging transport URL of its user."""
        return 'rabbit://%s:%s@%s:%d/' % (self.user, self.password,
                                          HOST, self.port)

    def start(self):
        if not os.access(RABBITMQ_SERVER, os.X_OK):
            raise BedError("%s is missing: install Debian's rabbitmq-server "
                           "(tox -e functional does)." % RABBITMQ_SERVER)
        os.makedirs(self.root, exist_ok=True)
        with open(self.path('enabled_plugins'), 'w') as f:
            f.write('[].\n')
        with open(self.conf_path, 'w') as f:
            f.write('default_user = %s\ndefault_pass = %s\n'
                    % (self.user, self.password))
        self.server.start()

    def stop(self):
        self.server.stop()

    def answers(self):
        """Whether its user can open an AMQP connection."""
        import amqp

        connection = amqp.Connection('%s:%d' % (HOST, self.port),
                                     userid=self.user,
                                     password=self.password,
                                     connect_timeout=REQUEST_TIMEOUT)
        try:
            connection.connect()
        except (OSError, amqp.exceptions.AMQPError):
            connection.collect()
            return False
        connection.close()
        return True
