from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "kindred.communities"
    label = "communities"
    verbose_name = _("Communities of practice")

    def ready(self) -> None:
        from kindred.communities import permissions, services
        from kindred.communities.models import Reply, Thread
        from kindred.moderation import registry
        from kindred.notifications import kinds

        registry.register(
            Thread,
            label=_("group thread"),
            author=lambda thread: thread.author,
            title=lambda thread: thread.title,
            url=lambda thread: thread.get_absolute_url(),
            hide=services.hide_reported,
            restore=services.restore_reported,
            can_see=permissions.can_report,
            is_hidden=lambda thread: thread.hidden,
            queryset=lambda: Thread.objects.select_related("author__profile", "group"),
        )
        registry.register(
            Reply,
            label=_("group reply"),
            author=lambda reply: reply.author,
            title=lambda reply: reply.thread.title,
            url=lambda reply: reply.thread.get_absolute_url(),
            hide=services.hide_reported,
            restore=services.restore_reported,
            can_see=permissions.can_report,
            is_hidden=lambda reply: reply.hidden,
            queryset=lambda: Reply.objects.select_related(
                "author__profile", "thread__group"
            ),
        )

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
