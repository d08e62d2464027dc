from oslo_policy import policy

PREFIX = 'glint:x509_users:%s'
LIST = PREFIX % 'list'
SHOW = PREFIX % 'show'
CREATE = PREFIX % 'create'
DELETE = PREFIX % 'delete'

# Who logs in with a certificate is the cloud's: an admin decides. Glint
# acts on Keystone with the caller's own token, so Keystone's policy (on
# mappings, users and role assignments) applies as well.
RULES = [
    policy.DocumentedRuleDefault(
        LIST, 'rule:admin',
        'List the users who log in with an X.509 certificate.',
        [{'method': 'GET', 'path': '/v1/x509/users'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        SHOW, 'rule:admin', 'Show a user who logs in with a certificate.',
        [{'method': 'GET', 'path': '/v1/x509/users/{user_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        CREATE, 'rule:admin',
        "Let a certificate's subject DN, from a CA Glint set up, log in "
        'as a user with a role in a project.',
        [{'method': 'POST', 'path': '/v1/x509/users'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        DELETE, 'rule:admin',
        'Stop a certificate user from logging in: its mapping rule, its '
        'user and its role assignments are removed.',
        [{'method': 'DELETE', 'path': '/v1/x509/users/{user_id}'}],
        scope_types=['project']),
]


def list_rules():
    return RULES
