from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kindred.accounts.models import Profile, User


@receiver(post_save, sender=User)
def give_every_user_a_profile(
    sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        Profile.objects.get_or_create(
            user=instance,
            defaults={"display_name": instance.email.split("@")[0][:120]},
        )
