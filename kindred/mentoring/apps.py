from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "kindred.mentoring"
    label = "mentoring"
    verbose_name = _("Mentoring programmes")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        kinds.register(
            "mentoring.matched", _("You are matched with a mentor or mentee")
        )
        kinds.register(
            "mentoring.request_waiting", _("A mentee asks you to be their mentor")
        )
        kinds.register(
            "mentoring.request_moved",
            _("A mentoring request expired or moved to the next choice"),
        )
        kinds.register("mentoring.check_in_due", _("Mentoring check-in due"))
        kinds.register(
            "mentoring.pair_quiet",
            _("A pair in a programme you run went quiet"),
        )
        kinds.register("mentoring.closed", _("Your mentoring pair is closed"))
        events.register("mentoring.matched", _("A mentoring pair is matched"))
        events.register("mentoring.pair_closed", _("A mentoring pair is closed"))
