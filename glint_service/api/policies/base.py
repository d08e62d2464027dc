from oslo_policy import policy

PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
ADMIN = 'role:admin'
PROJECT_ADMIN = 'role:admin and project_id:%(project_id)s'
# A remote cloud's creator: the user whose credentials it holds.
CLOUD_CREATOR = 'user_id:%(created_by)s'

RULES = [
    policy.RuleDefault('project_reader', PROJECT_READER,
                       description='A reader of the owning project.'),
    policy.RuleDefault('project_member', PROJECT_MEMBER,
                       description='A member of the owning project.'),
    policy.RuleDefault('admin', ADMIN,
                       description='An administrator.'),
    policy.RuleDefault('project_admin', PROJECT_ADMIN,
                       description='An administrator of the owning '
                                   'project.'),
    policy.RuleDefault('cloud_creator', CLOUD_CREATOR,
                       description="The user who added the remote cloud, "
                                   "whose credentials it holds."),
]


def list_rules():
    return RULES
