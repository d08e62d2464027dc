from oslo_policy import policy

PREFIX = 'glint:clouds:%s'
LIST = PREFIX % 'list'
LIST_ALL_PROJECTS = PREFIX % 'list:all_projects'
SHOW = PREFIX % 'show'
CREATE = PREFIX % 'create'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'
CHECK = PREFIX % 'check'

# A remote cloud holds its creator's credentials: the project's other
# members use it, but only its creator (or a project admin) may change
# where they are sent, or remove it.
CREATOR_OR_ADMIN = ('(rule:project_member and rule:cloud_creator) or '
                    'rule:project_admin')

RULES = [
    policy.DocumentedRuleDefault(
        LIST, 'rule:project_reader', "List the project's remote clouds.",
        [{'method': 'GET', 'path': '/v1/clouds'}], scope_types=['project']),
    policy.DocumentedRuleDefault(
        LIST_ALL_PROJECTS, 'rule:admin',
        'List the remote clouds of every project (?all_projects=true).',
        [{'method': 'GET', 'path': '/v1/clouds?all_projects=true'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        SHOW, 'rule:project_reader', 'Show a remote cloud.',
        [{'method': 'GET', 'path': '/v1/clouds/{cloud_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        CHECK, 'rule:project_reader',
        'Check that a remote cloud answers: Glint logs in to it and asks '
        'its Glance for one image.',
        [{'method': 'GET', 'path': '/v1/clouds/{cloud_id}/check'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        CREATE, 'rule:project_member', 'Add a remote cloud.',
        [{'method': 'POST', 'path': '/v1/clouds'}], scope_types=['project']),
    policy.DocumentedRuleDefault(
        UPDATE, CREATOR_OR_ADMIN,
        "Change a remote cloud: its creator or the project's admin.",
        [{'method': 'PATCH', 'path': '/v1/clouds/{cloud_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        DELETE, CREATOR_OR_ADMIN,
        "Remove a remote cloud: its creator or the project's admin.",
        [{'method': 'DELETE', 'path': '/v1/clouds/{cloud_id}'}],
        scope_types=['project']),
]


def list_rules():
    return RULES
