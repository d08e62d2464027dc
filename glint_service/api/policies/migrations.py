from oslo_policy import policy

LIST = 'glint:migrations:list'
LIST_ALL_PROJECTS = 'glint:migrations:list:all_projects'
SHOW = 'glint:migrations:show'
CREATE = 'glint:migrations:create'
DELETE = 'glint:migrations:delete'
UPLOAD = 'glint:migrations:upload'

RULES = [
    policy.DocumentedRuleDefault(
        LIST, 'rule:project_reader', "List the project's migrations.",
        [{'method': 'GET', 'path': '/v1/migrations'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        LIST_ALL_PROJECTS, 'rule:admin',
        'List the migrations of every project (?all_projects=true).',
        [{'method': 'GET', 'path': '/v1/migrations?all_projects=true'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        SHOW, 'rule:project_reader', 'Show a migration.',
        [{'method': 'GET', 'path': '/v1/migrations/{migration_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        CREATE, 'rule:project_member', 'Migrate an image.',
        [{'method': 'POST', 'path': '/v1/migrations'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        UPLOAD, 'rule:project_member',
        "Send an upload's data, to be streamed to its targets.",
        [{'method': 'PUT', 'path': '/v1/migrations/{migration_id}/file'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        DELETE, 'rule:project_member',
        'Cancel a migration, or remove the record of a finished one.',
        [{'method': 'DELETE', 'path': '/v1/migrations/{migration_id}'}],
        scope_types=['project']),
]


def list_rules():
    return RULES
