from oslo_policy import policy

PREFIX = 'glint:clouds:%s'
LIST = PREFIX % 'list'
LIST_ALL_PROJECTS = PREFIX % 'list:all_projects'
SHOW = PREFIX % 'show'
CREATE = PREFIX % 'create'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'

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
        CREATE, 'rule:project_member', 'Add a remote cloud.',
        [{'method': 'POST', 'path': '/v1/clouds'}], scope_types=['project']),
    policy.DocumentedRuleDefault(
        UPDATE, 'rule:project_member', 'Change a remote cloud.',
        [{'method': 'PATCH', 'path': '/v1/clouds/{cloud_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        DELETE, 'rule:project_member', 'Remove a remote cloud.',
        [{'method': 'DELETE', 'path': '/v1/clouds/{cloud_id}'}],
        scope_types=['project']),
]


def list_rules():
    return RULES
