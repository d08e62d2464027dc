from oslo_policy import policy

PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
ADMIN = 'role:admin'

RULES = [
    policy.RuleDefault('project_reader', PROJECT_READER,
                       description='A reader of the owning project.'),
    policy.RuleDefault('project_member', PROJECT_MEMBER,
                       description='A member of the owning project.'),
    policy.RuleDefault('admin', ADMIN,
                       description='An administrator.'),
]


def list_rules():
    return RULES
