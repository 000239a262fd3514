from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationConfig(AppConfig):
    name = "kindred.collaboration"
    label = "collaboration"
    verbose_name = _("Partnerships and success stories")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        events.register(
            "story.published",
            _("A success story that credits the organisation is published"),
        )
        kinds.register(
            "collaboration.partnership_proposed",
            _("An organisation proposes a partnership with one you run"),
        )
        kinds.register(
            "collaboration.partnership_answered",
            _("A partnership your organisation proposed is accepted or declined"),
        )
        kinds.register(
            "collaboration.partnership_ended",
            _("A partnership of an organisation you run ends"),
        )
        kinds.register(
            "collaboration.call_interest",
            _("An organisation is interested in your call for collaboration"),
        )
        kinds.register(
            "collaboration.call_decided",
            _("A call for collaboration your organisation answered is decided"),
        )
        kinds.register(
            "collaboration.story_to_approve",
            _("A success story waits for your approval"),
        )
        kinds.register(
            "collaboration.story_answered",
            _("A success story you wrote is declined"),
        )
        kinds.register(
            "collaboration.story_published",
            _("A success story credits an organisation you run"),
        )
