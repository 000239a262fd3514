from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "kindred.directory"
    label = "directory"
    verbose_name = _("Support directory")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kindred.directory import signals
        from kindred.notifications import kinds
        from kindred.organisations.models import Organisation
        from kindred.webhooks import events

        post_save.connect(
            signals.give_hsds_identity,
            sender=Organisation,
            dispatch_uid="directory.give_hsds_identity",
        )

        events.register("service.published", _("A service is published or changed"))
        kinds.register(
            "directory.services_stale",
            _("Services of your organisation need a review"),
            default_delivery="daily",
        )
        kinds.register(
            "directory.plan_shared",
            _("Someone shares a support plan with you"),
        )
        kinds.register(
            "directory.import_finished",
            _("A directory import or export you started has finished"),
        )
