from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "kindred.organisations"
    label = "organisations"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        events.register(
            "organisation.member_joined", _("Someone joined the organisation")
        )
        events.register(
            "organisation.join_requested", _("Someone asks to join the organisation")
        )

        kinds.register(
            "organisation.invited", _("You are invited to join an organisation")
        )
        kinds.register(
            "organisation.join_requested",
            _("Someone asks to join an organisation you run"),
        )
        kinds.register(
            "organisation.join_decided",
            _("Your request to join an organisation is answered"),
        )
        kinds.register(
            "organisation.role_changed",
            _("Your role in an organisation changes"),
            default_delivery="daily",
        )
