from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "kindred.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from kindred.notifications import kinds

        kinds.register(
            "moderation.reported", _("Someone reports content (stewards only)")
        )
        kinds.register(
            "moderation.outcome", _("A steward decides on something you reported")
        )
        kinds.register(
            "moderation.hidden", _("A steward hides or restores something you wrote")
        )
        kinds.register("moderation.warning", _("A steward warns you about a post"))
