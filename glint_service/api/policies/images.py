from oslo_policy import policy

LIST = 'glint:images:list'

RULES = [
    policy.DocumentedRuleDefault(
        LIST, 'rule:project_reader',
        "List the images of the local cloud and the project's remote "
        'clouds.',
        [{'method': 'GET', 'path': '/v1/images'}], scope_types=['project']),
]


def list_rules():
    return RULES
