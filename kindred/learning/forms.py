"""Forms of the course pages; the rules themselves live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.learning.models import Course, Quiz
from kindred.learning.services import QuestionInput
from kindred.organisations.models import Organisation


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"), max_length=300, help_text=_("One or two sentences.")
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Who the course is for and what they learn. Markdown is allowed."),
    )
    enrolment = forms.ChoiceField(
        label=_("How people enrol"),
        choices=Course.Enrolment.choices,
        widget=forms.RadioSelect,
        initial=Course.Enrolment.OPEN,
    )


class NewCourseForm(CourseForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("The course belongs to this organisation; you are its trainer."),
    )
    field_order = ["organisation", "title", "summary", "description", "enrolment"]

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in organisations]
        ).order_by("name")
        if len(organisations) == 1:
            field.initial = organisations[0].pk


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Module title"), max_length=160)


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Lesson title"), max_length=160)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown is allowed."),
    )
    video_url = forms.CharField(
        label=_("Video link (optional)"),
        required=False,
        max_length=300,
        help_text=_("An https link to YouTube, Vimeo or another allowed video site."),
    )


class ResourceForm(forms.Form):
    title = forms.CharField(label=_("File title"), max_length=160, required=False)
    file = forms.FileField(label=_("File"))


QUIZ_HELP = _(
    "One question per block. Start a single-choice question with “? ”, a question "
    "where several answers may be right with “?? ”. Then one answer per line: "
    "“* ” for a correct answer, “- ” for a wrong one."
)


class QuizForm(forms.Form):
    pass_mark = forms.IntegerField(
        label=_("Pass mark (%)"), min_value=1, max_value=100, initial=70
    )
    questions = forms.CharField(
        label=_("Questions"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=QUIZ_HELP,
    )

    @staticmethod
    def as_text(quiz: Quiz) -> str:
        blocks = []
        for question in quiz.questions.all():
            lines = [("?? " if question.multiple else "? ") + question.text]
            lines += [
                ("* " if c.correct else "- ") + c.text for c in question.choices.all()
            ]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def clean_questions(self) -> list[QuestionInput]:
        parsed: list[QuestionInput] = []
        for number, raw in enumerate(self.cleaned_data["questions"].splitlines(), 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("??"):
                parsed.append(QuestionInput(line[2:].strip(), [], multiple=True))
            elif line.startswith("?"):
                parsed.append(QuestionInput(line[1:].strip(), [], multiple=False))
            elif line[0] in "*-" and parsed:
                parsed[-1].choices.append(  # type: ignore[attr-defined]
                    (line[1:].strip(), line[0] == "*")
                )
            else:
                raise forms.ValidationError(
                    _("Line %(n)d: start it with “?”, “??”, “*” or “-”."),
                    params={"n": number},
                )
        return parsed


class AttemptForm(forms.Form):
    """One field per question: radio buttons, or checkboxes where several are right."""

    def __init__(self, *args: Any, quiz: Quiz, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        for n, question in enumerate(quiz.questions.all(), start=1):
            choices = [(c.pk, c.text) for c in question.choices.all()]
            label = f"{n}. {question.text}"
            if question.multiple:
                self.fields[f"q{question.pk}"] = forms.TypedMultipleChoiceField(
                    label=label,
                    choices=choices,
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Choose every right answer."),
                )
            else:
                self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                    label=label, choices=choices, coerce=int, widget=forms.RadioSelect
                )

    def answers(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for name, value in self.cleaned_data.items():
            found[int(name[1:])] = list(value) if isinstance(value, list) else [value]
        return found


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why it is revoked"), max_length=300)
