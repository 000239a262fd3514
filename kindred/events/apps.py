from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "kindred.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from kindred.communities.signals import membership_ended
        from kindred.notifications import kinds
        from kindred.webhooks import events

        events.register("event.registered", _("Someone registers for your event"))
        events.register("event.cancelled", _("A registration or an event is cancelled"))
        kinds.register(
            "events.registered",
            _("Someone registers for an event you host"),
            default_delivery="daily",
        )
        kinds.register(
            "events.promoted", _("A place comes free for you from the waiting list")
        )
        kinds.register(
            "events.reminder", _("Reminders a day and an hour before your events")
        )
        kinds.register(
            "events.cancelled", _("An event you registered for is cancelled")
        )
        kinds.register(
            "events.changed",
            _("The time or place of an event you registered for changes"),
        )
        kinds.register(
            "events.cohost_invited",
            _("Your organisation is asked to co-host an event"),
        )
        membership_ended.connect(
            _release_places, dispatch_uid="events.release_places_of_former_member"
        )


def _release_places(
    sender: object, *, group: object, user: object, **kwargs: object
) -> None:
    from kindred.events.services import release_places_of_former_member

    release_places_of_former_member(group, user)  # type: ignore[arg-type]
