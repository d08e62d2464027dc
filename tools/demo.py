"""Glint's demo: two real clouds on loopback, Glint and Horizon in the first.

Run by ``tox -e demo``. A sample image sits in the first cloud and the
second is registered in Glint for the demo user, who can log in to Horizon
and migrate at once. The first cloud's Keystone has a TLS front that
verifies client certificates: a CA of the demo is set up as its identity
provider, and a user certificate of that CA (PEM, and PKCS#12 to import in
a browser) logs in to Horizon and the openstack command with no password.
It prints where everything is, the users and their passwords, and ready
commands; it writes ``clouds.yaml`` for the openstack command; it runs
until interrupted, then stops everything it started.
"""

import argparse
import os
import signal
import sys
import tempfile

import requests
import yaml

from glint_service.clouds import federation
from tests import cloudbed
from tests import slowdown

HERE = os.path.dirname(os.path.abspath(__file__))
CLOUDS_YAML = os.path.join(os.path.dirname(HERE), 'clouds.yaml')
SAMPLE_SIZE = 64 * 1024 * 1024


def clouds_yaml(bed):
    """An entry NAME-USER for each cloud and each user the bed made."""
    entries = {}
    for cloud in bed.clouds:
        users = dict(cloud.users, admin=cloud.admin_user())
        for name, user in users.items():
            entries['%s-%s' % (cloud.name, name)] = {
                'auth': {'auth_url': cloud.auth_url,
                         'username': user['username'],
                         'password': user['password'],
                         'project_name': user['project_name'],
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'region_name': cloudbed.REGION,
                'interface': 'public',
                'identity_api_version': 3,
            }
    return {'clouds': entries}


def register_second_cloud(bed):
    """Add cloud2 as a remote cloud of cloud1's demo project, through Glint."""
    local, remote = bed.clouds[0], bed.clouds[1]
    token = local.session(local.users['demo']).get_token()
    user = remote.users['demo']
    response = requests.post(
        bed.glint.url + '/v1/clouds', headers={'X-Auth-Token': token},
        json={'name': remote.name, 'auth_url': remote.auth_url,
              'username': user['username'], 'password': user['password'],
              'project_name': user['project_name']},
        timeout=cloudbed.REQUEST_TIMEOUT)
    response.raise_for_status()
    return response.json()


class CertificateLogin(object):
    """The demo's X.509 login: its CA, its user's certificate, its files.

    The CA is the first of the TLS front's; its user, "Demo Certificate
    User", is added by DN through Glint's API as the cloud's admin, with
    the role member in the demo project.
    """

    PKCS12_PASSWORD = 'glint-demo'

    def __init__(self, cloud, folder):
        self.cloud = cloud
        self.front = cloud.x509
        self.ca = self.front.cas[0]
        self.idp = federation.default_idp_id(self.ca.subject)
        self.folder = folder

    def horizon_settings(self):
        """Horizon's x509_login: its login page offers the certificate."""
        return {'idp': self.idp, 'keystone_url': self.front.auth_url,
                'cacert': self.front.ca_path}

    def set_up(self, glint_url):
        self.front.start()
        admin = self.cloud.session(self.cloud.admin_user())
        federation.setup(admin, self.ca.cert_pem())
        self.credential = self.ca.issue('Demo Certificate User')
        self.cert, self.key = self.credential.write(self.folder, 'demo-user')
        self.pkcs12 = self.credential.write_pkcs12(
            os.path.join(self.folder, 'demo-user.p12'), self.PKCS12_PASSWORD,
            'Glint demo user')
        response = requests.post(
            glint_url + '/v1/x509/users',
            headers={'X-Auth-Token': admin.get_token()},
            json={'dn': self.credential.subject, 'issuer': self.ca.subject,
                  'project': 'demo', 'name': 'demo-certificate'},
            timeout=cloudbed.REQUEST_TIMEOUT)
        response.raise_for_status()
        self.user = response.json()

    def clouds_yaml_entry(self):
        return {'auth_type': 'v3x509',
                'auth': {'auth_url': self.front.auth_url,
                         'identity_provider': self.idp,
                         'project_name': 'demo',
                         'project_domain_name': 'Default'},
                'cert': self.cert, 'key': self.key,
                'cacert': self.front.ca_path,
                'region_name': cloudbed.REGION, 'interface': 'public',
                'identity_api_version': 3}

    def banner(self, openstack):
        return [
            '',
            '  Log in with a certificate (no password): the user "%s"'
            % self.user['user_name'],
            '    DN %s' % self.user['dn'],
            '    issuer %s (identity provider %s)'
            % (self.user['issuer'], self.idp),
            '    PEM %s, key %s' % (self.cert, self.key),
            '    Browser: import %s (password %s) and the CA %s, then '
            'choose "X.509 certificate" on the login page'
            % (self.pkcs12, self.PKCS12_PASSWORD, self.front.ca_path),
            '    (Keystone\'s TLS front, %s, asks for the certificate).'
            % self.front.url,
            '    CLI: %s --os-cloud cloud1-cert glint cloud list' % openstack,
            '    or:  %s --os-auth-type v3x509 --os-auth-url %s '
            '--os-identity-provider %s --os-cert %s --os-key %s '
            '--os-cacert %s --os-project-name demo '
            '--os-project-domain-name Default glint cloud list'
            % (openstack, self.front.auth_url, self.idp, self.cert,
               self.key, self.front.ca_path),
            '    Admins: %s --os-cloud cloud1-admin glint x509 user list, or '
            'Identity > Certificate Users in Horizon.' % openstack]


def upload_sample_image(bed):
    """A 64 MiB raw image in cloud1's demo project: long enough to watch."""
    cloud = bed.clouds[0]
    return cloudbed.upload_image(cloud, cloud.users['demo'],
                                 os.urandom(SAMPLE_SIZE), 'sample-image')


def banner(bed, horizon, remote_cloud, clouds_yaml_path, certificate):
    openstack = os.path.join(cloudbed.BIN, 'openstack')
    demo = bed.clouds[0].users['demo']
    lines = ['', 'Glint is up.', '',
             '  Log in to Horizon: %s' % horizon.url,
             '    user %s, password %s (domain Default)'
             % (demo['username'], demo['password']),
             '    Project > Glint > Migrate Image: "sample-image" is in '
             'cloud1; cloud2 is registered.',
             '    Upload Image sends a file from your browser to Glint '
             '(its [cors] allows %s).' % horizon.origin]
    lines += certificate.banner(openstack)
    lines += ['',
              '  Glint API   %s  (service "glint", type image-distribution, '
              'in the catalog of cloud1; under uWSGI)' % bed.glint.url,
              '  Glint engine: the migrations run there; its log: %s'
              % bed.glint.engines[0].log_path]
    for cloud in bed.clouds:
        lines.append('  %s      Keystone %s   Glance %s'
                     % (cloud.name, cloud.auth_url, cloud.glance_url))
    lines += ['', '  Users of each cloud (domain Default):']
    for cloud in bed.clouds:
        users = dict(cloud.users, admin=cloud.admin_user())
        for name, user in sorted(users.items()):
            lines.append('    %s: %-9s password %-18s project %s'
                         % (cloud.name, user['username'], user['password'],
                            user['project_name']))
    lines += [
        '',
        '  cloud2 is registered in Glint as remote cloud %s of cloud1\'s '
        'demo project.' % remote_cloud['id'],
        '  clouds.yaml: %s (entries CLOUD-USER, such as cloud1-demo);'
        % clouds_yaml_path,
        '  from another folder: export OS_CLIENT_CONFIG_FILE=%s'
        % clouds_yaml_path,
        '',
        'Try:',
        '  cd %s' % os.path.dirname(clouds_yaml_path),
        '  %s --os-cloud cloud1-admin catalog list' % openstack,
        '  %s --os-cloud cloud1-demo glint image list' % openstack,
        '  %s --os-cloud cloud1-demo glint migrate sample-image --to cloud2 '
        '--wait' % openstack,
        '  %s --os-cloud cloud1-demo glint image upload FILE '
        '--disk-format raw --to local --to cloud2 --wait' % openstack,
        '  %s --os-cloud cloud1-demo glint image save sample-image '
        '--cloud cloud2 --file sample.raw' % openstack,
        '  TOKEN=$(%s --os-cloud cloud1-demo token issue -f value -c id)'
        % openstack,
        '  curl -s -H "X-Auth-Token: $TOKEN" %s/v1/clouds' % bed.glint.url,
        '',
        'Logs and state: %s' % bed.root,
        'Press Ctrl-C to stop everything.',
        '']
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--clouds-yaml', default=CLOUDS_YAML,
                        help='where to write clouds.yaml (default: %s)'
                             % CLOUDS_YAML)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    root = tempfile.mkdtemp(prefix='glint-demo-')
    print('Starting two clouds (Keystone and Glance each), Glint and Horizon '
          'in %s ...' % root, flush=True)
    with slowdown.cpu_hogs():
        run(root, args.clouds_yaml)


def run(root, clouds_yaml_path):
    bed = cloudbed.Bed(root, clouds=2, x509_fronts=1)
    certificate = CertificateLogin(bed.clouds[0], os.path.join(root, 'x509'))
    horizon = cloudbed.Horizon(bed.clouds[0], root,
                               x509_login=certificate.horizon_settings())
    # Upload Image: Horizon's pages send the file to Glint from the browser.
    bed.glint.options['cors'] = {'allowed_origin': horizon.origin}
    try:
        bed.start()
        horizon.start()
        remote_cloud = register_second_cloud(bed)
        upload_sample_image(bed)
        certificate.set_up(bed.glint.url)
        entries = clouds_yaml(bed)
        entries['clouds']['cloud1-cert'] = certificate.clouds_yaml_entry()
        with open(clouds_yaml_path, 'w') as f:
            os.chmod(clouds_yaml_path, 0o600)
            yaml.safe_dump(entries, f, default_flow_style=False)
        print(banner(bed, horizon, remote_cloud, clouds_yaml_path,
                     certificate), flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    except cloudbed.BedError as error:
        sys.exit('The demo could not start: %s' % error)
    finally:
        print('Stopping everything ...', flush=True)
        horizon.stop()
        bed.stop()
        print('Stopped. Logs and state are left in %s.' % root)


if __name__ == '__main__':
    main()
