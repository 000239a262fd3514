from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkingConfig(AppConfig):
    name = "kindred.networking"
    label = "networking"
    verbose_name = _("Networking rounds")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        kinds.register("networking.introduced", _("A networking round introduces you"))
        kinds.register(
            "networking.time_chosen", _("A time is set for your introduction")
        )
        kinds.register(
            "networking.did_you_meet", _("Did you meet? (after a networking round)")
        )
        kinds.register(
            "networking.round_ran", _("A networking round you organise has run")
        )
        events.register(
            "networking.round_ran", _("A networking round ran (counts only)")
        )
