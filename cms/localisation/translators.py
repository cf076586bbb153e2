"""The Translators group: translate pages and sponsor descriptions, submit them for review.

Members reach the admin, start translations and edit sponsor descriptions as drafts. Among
the pages they may edit each translated language's tree, granted by the content loader once
those trees exist. They get no permission to publish, to delete, or to read anything a
supporter or a sponsor sent in.
"""

from django.db.models import Q

TRANSLATORS = "Translators"
# Wagtail's migrations make Moderators, which the Organisers' migration renames: whichever
# name it has, that group starts and syncs translations and publishes sponsor descriptions.
REVIEWERS = ["Moderators", "Organisers"]
REVIEWER_PERMISSIONS = [
    ("localisation", f"{action}_sponsordescription")
    for action in ("add", "change", "delete", "publish")
] + [
    # wagtail-localize grants it to "Moderators", a name the group may already have lost.
    ("wagtail_localize", "submit_translation"),
]
TRANSLATOR_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("wagtail_localize", "submit_translation"),
    ("localisation", "add_sponsordescription"),
    ("localisation", "change_sponsordescription"),
]


def permissions(permission_model, wanted_permissions):
    wanted = Q()
    for app_label, codename in wanted_permissions:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return permission_model.objects.filter(wanted)


def ensure_translators_group(apps):
    """The group with its permissions, made if missing; `apps` may be a migration's."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=TRANSLATORS)
    group.permissions.add(*permissions(permission_model, TRANSLATOR_PERMISSIONS))
    return group


def let_reviewers_publish_translations(apps):
    permission_model = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=REVIEWERS):
        group.permissions.add(*permissions(permission_model, REVIEWER_PERMISSIONS))
