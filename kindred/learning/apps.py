from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "kindred.learning"
    label = "learning"
    verbose_name = _("Courses and certificates")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        kinds.register(
            "learning.enrolment_requested",
            _("Someone asks to join a course you train"),
        )
        kinds.register(
            "learning.enrolled",
            _("Your enrolment in a course is confirmed or answered"),
        )
        kinds.register(
            "learning.certificate_issued",
            _("You complete a course and your certificate is issued"),
        )
        events.register(
            "course.completed", _("A learner completes one of your courses")
        )
