from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "kindred.insights"
    label = "insights"
    verbose_name = _("Insights and the feed")

    def ready(self) -> None:
        from kindred.notifications import kinds

        kinds.register("insights.comment", _("Someone comments on your insight"))
        kinds.register(
            "insights.reaction",
            _("Someone reacts to your insight"),
            default_delivery="daily",
        )
        kinds.register(
            "insights.followed_post",
            _("A person or topic you follow has a new insight"),
            default_delivery="daily",
        )
        self._register_moderation()

    def _register_moderation(self) -> None:
        try:
            from kindred.moderation import registry
        except ImportError:  # moderation is optional
            return
        from kindred.insights import selectors, services
        from kindred.insights.models import Comment, Insight

        registry.register(
            Insight,
            label=_("insight"),
            author=lambda insight: insight.author,
            title=lambda insight: insight.title,
            url=lambda insight: insight.get_absolute_url(),
            hide=services.hide_insight,
            restore=services.restore_insight,
            can_see=selectors.can_see_insight,
            is_hidden=lambda insight: insight.hidden,
        )
        registry.register(
            Comment,
            label=_("comment on an insight"),
            author=lambda comment: comment.author,
            title=lambda comment: comment.body[:80],
            url=lambda comment: comment.get_absolute_url(),
            hide=services.hide_comment,
            restore=services.restore_comment,
            can_see=selectors.can_see_comment,
            is_hidden=lambda comment: comment.hidden,
        )
