from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "kindred.communities"
    label = "communities"
    verbose_name = _("Communities of practice")

    def ready(self) -> None:
        from kindred.notifications import kinds

        kinds.register(
            "communities.mentioned", _("Someone mentions you in a group discussion")
        )
        kinds.register(
            "communities.reply", _("A new reply in a group thread you follow")
        )
        kinds.register(
            "communities.join_requested",
            _("Someone asks to join a group you facilitate"),
        )
        kinds.register(
            "communities.join_answered",
            _("Your request to join a group is accepted or declined"),
        )
        kinds.register("communities.invited", _("You are invited to join a group"))
        kinds.register(
            "communities.group_to_approve",
            _("A proposed group waits for a steward's approval"),
        )
        kinds.register(
            "communities.group_answered",
            _("A group you proposed is approved or declined"),
        )
