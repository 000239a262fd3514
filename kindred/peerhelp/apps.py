from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerhelpConfig(AppConfig):
    name = "kindred.peerhelp"
    label = "peerhelp"
    verbose_name = _("Peer help")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        kinds.register("peerhelp.asked_to_help", _("You were asked to help"))
        kinds.register("peerhelp.response", _("Someone responds to your ask"))
        kinds.register("peerhelp.thanked", _("Someone thanked you for your help"))
        kinds.register(
            "peerhelp.marked_helpful", _("Someone found your response helpful")
        )
        events.register("ask.solved", _("An ask by a member is solved"))
        self._register_moderation()

    def _register_moderation(self) -> None:
        try:
            from kindred.moderation import registry
        except ImportError:  # moderation is optional
            return
        from kindred.peerhelp import permissions, services
        from kindred.peerhelp.models import Ask, Response

        registry.register(
            Ask,
            label=_("ask"),
            author=lambda ask: ask.author,
            title=lambda ask: ask.title,
            url=lambda ask: ask.get_absolute_url(),
            hide=services.hide_ask,
            restore=services.restore_ask,
            can_see=permissions.can_see_ask,
            is_hidden=lambda ask: ask.hidden,
            queryset=lambda: Ask.objects.select_related("author__profile"),
        )
        registry.register(
            Response,
            label=_("response to an ask"),
            author=lambda response: response.author,
            title=lambda response: response.ask.title,
            url=lambda response: response.get_absolute_url(),
            hide=services.hide_response,
            restore=services.restore_response,
            can_see=permissions.can_see_response,
            is_hidden=lambda response: response.hidden,
            queryset=lambda: Response.objects.select_related("author__profile", "ask"),
        )
