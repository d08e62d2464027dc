from oslo_policy import policy

LIST = 'glint:images:list'
DOWNLOAD = 'glint:images:download'

RULES = [
    policy.DocumentedRuleDefault(
        LIST, 'rule:project_reader',
        "List the images of the local cloud and the project's remote "
        'clouds.',
        [{'method': 'GET', 'path': '/v1/images'}], scope_types=['project']),
    policy.DocumentedRuleDefault(
        DOWNLOAD, 'rule:project_member',
        "Download the data of an image of the local cloud or of one of the "
        "project's remote clouds.",
        [{'method': 'GET',
          'path': '/v1/clouds/{cloud_id}/images/{image_id}/file'},
         {'method': 'POST',
          'path': '/v1/clouds/{cloud_id}/images/{image_id}/download_links'}],
        scope_types=['project']),
]


def list_rules():
    return RULES
