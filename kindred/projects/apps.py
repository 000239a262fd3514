from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "kindred.projects"
    label = "projects"
    verbose_name = _("Projects and businesses")

    def ready(self) -> None:
        from kindred.moderation import registry
        from kindred.notifications import kinds
        from kindred.projects import permissions, services
        from kindred.projects.models import Project

        kinds.register(
            "projects.volunteered", _("Someone volunteers for a project you run")
        )
        kinds.register(
            "projects.decided", _("Your offer to help on a project is answered")
        )
        kinds.register("projects.update", _("A new update on a project you help"))
        registry.register(
            Project,
            label=_("project"),
            author=lambda project: project.owner,
            title=lambda project: project.title,
            url=lambda project: project.get_absolute_url(),
            hide=services.hide_project,
            restore=services.restore_project,
            can_see=permissions.can_see_project,
            is_hidden=lambda project: project.hidden,
            queryset=lambda: Project.objects.select_related("owner__profile"),
        )
