"""glint-manage: set up what the Glint API service needs.

    glint-manage [--config-file F] db sync
    glint-manage [--config-file F] key create | rotate | prune
    glint-manage [--config-file F] register --public-url URL [...]
    glint-manage [--config-file F] migrations prune --older-than DAYS
    glint-manage [--config-file F] x509 setup --ca CA.pem [--idp ID]

``register`` and ``x509 setup`` log in to the local Keystone as an
administrator with the usual OS_* variables or --os-* options.
"""

import argparse
import datetime
import os
import sys

from keystoneauth1 import loading as ks_loading

from glint_service.clouds import federation
from glint_service.clouds import local_keystone
from glint_service.clouds import registration
from glint_service import conf as glint_conf
from glint_service.conf import database as database_conf
from glint_service import crypto
from glint_service.db import api as db_api
from glint_service.db import schema
from glint_service import exception


def db_sync(conf, args):
    url = database_conf.connection_url(conf)
    if url.startswith('sqlite:///'):
        os.makedirs(os.path.dirname(url[len('sqlite:///'):]) or '.',
                    exist_ok=True)
    before, after = schema.upgrade(url)
    if before == after:
        print('Database schema already at revision %s: nothing to do.'
              % after)
    else:
        print('Database schema upgraded from revision %s to %s.'
              % (before, after))


def key_create(conf, args):
    key_file = conf.crypto.key_file
    if crypto.create_key_file(key_file):
        print('Created the credential key file %s.' % key_file)
    else:
        crypto.Vault.from_key_file(key_file)
        print('The credential key file %s exists: left alone.' % key_file)


def key_rotate(conf, args):
    """A new first key; every stored secret encrypted again with it."""
    key_file = conf.crypto.key_file
    old = crypto.Vault.from_key_file(key_file)
    crypto.write_keys(key_file, [crypto.new_key()] + old.keys)
    vault = crypto.Vault.from_key_file(key_file)
    db = db_api.Database(database_conf.connection_url(conf))
    count = db.reencrypt_clouds(vault.reencrypt)
    print('A new key is first in %s; the secrets of %d remote cloud(s) are '
          'encrypted with it. The %d older key(s) stay in the file until '
          '"glint-manage key prune".' % (key_file, count, len(old.keys)))


def key_prune(conf, args):
    """Keep the first key only, once no stored secret needs the others."""
    key_file = conf.crypto.key_file
    vault = crypto.Vault.from_key_file(key_file)
    db = db_api.Database(database_conf.connection_url(conf))
    if not all(vault.encrypted_with_first_key(sealed)
               for sealed in db.sealed_secrets()):
        raise exception.KeyFileError(
            'some stored secrets still need the older keys: run '
            '"glint-manage key rotate" first.')
    crypto.write_keys(key_file, vault.keys[:1])
    print('%s holds its first key only (%d older key(s) removed).'
          % (key_file, len(vault.keys) - 1))


def migrations_prune(conf, args):
    """Delete the records of migrations that ended long enough ago."""
    db = db_api.Database(database_conf.connection_url(conf))
    before = db_api.utcnow() - datetime.timedelta(days=args.older_than)
    count = db.prune_migrations(before)
    print('%d record(s) of migrations that ended more than %g day(s) ago '
          'deleted.' % (count, args.older_than))


def _admin_session(args):
    return ks_loading.load_session_from_argparse_arguments(
        args, auth=ks_loading.load_auth_from_argparse_arguments(args))


def register(conf, args):
    admin = _admin_session(args)
    endpoints = {'public': args.public_url,
                 'internal': args.internal_url or args.public_url}
    changed = registration.register_service(
        admin, local_keystone.service_user(conf), args.region, endpoints,
        interface=args.os_interface)
    print('Glint registered.' if changed else
          'Glint was already registered: nothing changed.')


def x509_setup(conf, args):
    """The CA as an identity provider of the local Keystone (idempotent)."""
    try:
        with open(args.ca, 'rb') as f:
            ca_pem = f.read()
    except OSError as error:
        raise exception.InvalidField('--ca', error.strerror)
    changed = federation.setup(_admin_session(args), ca_pem,
                               idp_id=args.idp, log=print)
    print('X.509 login through this CA is set up.' if changed else
          'X.509 login through this CA was set up already: nothing '
          'changed.')


def _admin_options(command, argv):
    """The options of a command that logs in as an administrator."""
    command.add_argument('--os-interface',
                         default=os.environ.get('OS_INTERFACE', 'public'),
                         help="the local Keystone's interface to use")
    # --os-cacert, --insecure and the like, for a Keystone on https.
    ks_loading.register_session_argparse_arguments(command)
    ks_loading.register_auth_argparse_arguments(command, argv,
                                                default='password')


def _days(text):
    try:
        days = float(text)
    except ValueError:
        days = -1
    if not 0 <= days <= 36500:
        raise argparse.ArgumentTypeError('a number of days, 0 or more')
    return days


def parser(argv):
    top = argparse.ArgumentParser(
        prog='glint-manage', description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter)
    top.add_argument('--config-file', action='append',
                     help='a configuration file (repeatable); by default '
                          'those in OS_GLINT_CONFIG_FILES, else '
                          '/etc/glint/glint.conf')
    commands = top.add_subparsers(dest='command', required=True)

    db = commands.add_parser('db', help='the database schema')
    db_commands = db.add_subparsers(dest='db_command', required=True)
    db_commands.add_parser(
        'sync', help='create or upgrade the schema').set_defaults(run=db_sync)

    key = commands.add_parser('key', help='the credential key file')
    key_commands = key.add_subparsers(dest='key_command', required=True)
    key_commands.add_parser(
        'create', help='create [crypto] key_file unless it exists'
    ).set_defaults(run=key_create)
    key_commands.add_parser(
        'rotate', help='put a new key first and encrypt every stored secret '
                       'with it; the older keys are kept'
    ).set_defaults(run=key_rotate)
    key_commands.add_parser(
        'prune', help='drop the older keys, once no stored secret needs them'
    ).set_defaults(run=key_prune)

    migrations = commands.add_parser('migrations',
                                     help="the migrations' records")
    migration_commands = migrations.add_subparsers(dest='migrations_command',
                                                   required=True)
    prune = migration_commands.add_parser(
        'prune', help='delete the records of migrations that ended more '
                      'than --older-than days ago (not those with an image '
                      'Glint has still to delete)')
    prune.add_argument('--older-than', type=_days, required=True,
                       metavar='DAYS', help='days since a migration ended')
    prune.set_defaults(run=migrations_prune)

    reg = commands.add_parser(
        'register', help='make Glint known to the local Keystone: its '
                         'service user, service and endpoints')
    reg.add_argument('--public-url', required=True,
                     help="Glint's public endpoint URL")
    reg.add_argument('--internal-url',
                     help="Glint's internal endpoint URL (default: public)")
    reg.add_argument('--region', default=os.environ.get('OS_REGION_NAME',
                                                        'RegionOne'))
    _admin_options(reg, argv)
    reg.set_defaults(run=register)

    x509 = commands.add_parser(
        'x509', help='login with X.509 certificates (Keystone federation)')
    x509_commands = x509.add_subparsers(dest='x509_command', required=True)
    setup = x509_commands.add_parser(
        'setup', help="make a CA an identity provider of the local "
                      "Keystone, with its mapping and x509 protocol "
                      "(idempotent)")
    setup.add_argument('--ca', required=True, metavar='CA.pem',
                       help="the CA's certificate (PEM)")
    setup.add_argument('--idp', metavar='ID',
                       help='the identity provider id (default: from the '
                            "CA's common name)")
    _admin_options(setup, argv)
    setup.set_defaults(run=x509_setup)
    return top


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    files = os.environ.get('OS_GLINT_CONFIG_FILES')
    config_files = args.config_file or (
        files.split(';') if files else glint_conf.DEFAULT_CONFIG_FILES)
    conf = glint_conf.load(config_files)
    try:
        args.run(conf, args)
    except Exception as error:
        detail = getattr(error, 'detail', None) or '%s: %s' % (
            type(error).__name__, error)
        sys.exit('glint-manage %s failed: %s' % (args.command, detail))


if __name__ == '__main__':
    main()
