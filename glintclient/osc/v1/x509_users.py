"""openstack glint x509 user add | list | remove (an admin's)

A user added here logs in to Keystone with a certificate of that subject DN
from that issuer, and has the role in the project. Glint acts on Keystone
with the admin's own token.
"""

from osc_lib.command import command
from osc_lib import utils

COLUMNS = ('id', 'dn', 'issuer', 'user_name', 'project_id', 'role')
HEADERS = ('ID', 'DN', 'Issuer', 'User', 'Project', 'Role')


class AddX509User(command.ShowOne):
    """Let a certificate's subject DN log in, with a role in a project.

    Its CA must have been set up in Keystone (glint-manage x509 setup).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('dn', metavar='<dn>',
                            help="The certificate's subject DN, in any "
                                 'usual form (CN=...,O=..., or /O=.../CN=...)')
        parser.add_argument('--issuer', metavar='<issuer-dn>', required=True,
                            help="The subject DN of the certificate's CA")
        parser.add_argument('--project', metavar='<project>', required=True,
                            help='The project the user logs in to (name or '
                                 'id)')
        parser.add_argument('--role', metavar='<role>', default='member',
                            help='The role in the project (default: member)')
        parser.add_argument('--name', metavar='<name>',
                            help="The Keystone user's name (default: "
                                 "Glint's choice)")
        return parser

    def take_action(self, parsed_args):
        fields = {'dn': parsed_args.dn, 'issuer': parsed_args.issuer,
                  'project': parsed_args.project, 'role': parsed_args.role}
        if parsed_args.name:
            fields['name'] = parsed_args.name
        user = self.app.client_manager.glint.create_x509_user(fields)
        return tuple(zip(*sorted(user.items())))


class ListX509Users(command.Lister):
    """List the users who log in with a certificate."""

    def take_action(self, parsed_args):
        users = self.app.client_manager.glint.list_x509_users()
        return HEADERS, (utils.get_dict_properties(u, COLUMNS)
                         for u in users)


class RemoveX509User(command.Command):
    """Stop a certificate's DN from logging in; its user is deleted."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('dn', metavar='<dn>',
                            help="The certificate's subject DN")
        parser.add_argument('--issuer', metavar='<issuer-dn>',
                            help="The subject DN of the certificate's CA, "
                                 'needed when several CAs issued that DN')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        user = glint.find_x509_user(parsed_args.dn, parsed_args.issuer)
        glint.delete_x509_user(user['id'])
