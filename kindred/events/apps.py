from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "kindred.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from kindred.webhooks import events

        events.register("event.registered", _("Someone registers for your event"))
        events.register("event.cancelled", _("A registration or an event is cancelled"))
