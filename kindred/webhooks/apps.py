from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "kindred.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        events.register("webhook.test", _("A test event you send yourself"))
        kinds.register(
            "webhook.disabled",
            _("A webhook of an organisation you run is switched off after failing"),
        )
