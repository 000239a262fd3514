"""The support directory: publishing services, search, the navigator and plans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from kindred.accounts.models import Stage
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry, Region
from kindred.directory import selectors, services
from kindred.directory.models import PlanItem, Service, SupportPlan
from kindred.notifications.models import Notification
from kindred.organisations.models import Membership, Organisation, Role

from .conftest import make_person


def publish(organisation, by, vocab, **fields):
    data = {
        "name": "Founder Wellbeing Programme",
        "description": "Eight weeks of small-group sessions on stress and resilience.",
        "application_process": "Email us.",
        "topics": [vocab["mindfulness"], vocab["founder-mental-health"]],
    }
    data.update(fields)
    return services.create_service(organisation, by=by, **data)


@pytest.fixture
def wellbeing(organisation, owner, topics):
    return publish(organisation, owner, topics, is_programme=True, delivery="hybrid")


@pytest.fixture
def adviser(organisation, colleague):
    """The colleague is a practitioner of the organisation: an adviser."""
    return colleague


# --- publishing -------------------------------------------------------------------


def test_an_admin_publishes_a_service_with_an_audit_entry(wellbeing, owner):
    assert wellbeing.pk and wellbeing.is_programme
    assert wellbeing.last_reviewed_by == owner
    assert {t.slug for t in wellbeing.topics.all()} == {
        "mindfulness",
        "founder-mental-health",
    }
    assert AuditEntry.objects.filter(
        action="service.created", object_id=str(wellbeing.pk)
    ).exists()
    assert wellbeing.organisation.hsds_record.hsds_id


def test_someone_who_is_not_an_admin_cannot_publish(organisation, colleague, topics):
    with pytest.raises(NotAllowed):
        publish(organisation, colleague, topics)
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cost": "paid", "fees_description": ""}, "fees_description"),
        ({"description": "<script>alert(1)</script>"}, "description"),
        ({"min_employees": 50, "max_employees": 10}, "max_employees"),
        ({"stages": ["unicorn"]}, "stages"),
        ({"application_process": "  "}, "application_process"),
        ({"languages": ["english!"]}, "languages"),
        ({"url": "not a url"}, "url"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    organisation, owner, topics, fields, field
):
    with pytest.raises(KindredError) as error:
        publish(organisation, owner, topics, **fields)
    assert error.value.field == field
    assert not Service.objects.exists()


def test_saving_marks_the_service_checked(wellbeing, owner):
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=300)
    )
    wellbeing.refresh_from_db()
    assert wellbeing.needs_review
    services.update_service(wellbeing, by=owner, wait_time="Two weeks")
    wellbeing.refresh_from_db()
    assert not wellbeing.needs_review and wellbeing.wait_time == "Two weeks"


def test_a_colleague_cannot_change_or_delete_a_service(wellbeing, colleague):
    with pytest.raises(NotAllowed):
        services.update_service(wellbeing, by=colleague, name="Hijacked")
    with pytest.raises(NotAllowed):
        services.delete_service(wellbeing, by=colleague)
    wellbeing.refresh_from_db()
    assert wellbeing.name == "Founder Wellbeing Programme"


def test_stale_services_are_flagged_to_their_organisation_admins(wellbeing, owner):
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=200)
    )
    assert services.flag_stale_services() == 1
    note = Notification.objects.get(recipient=owner, kind="directory.services_stale")
    assert "six months" in note.message
    services.mark_reviewed(wellbeing, by=owner)
    assert not selectors.stale_services().exists()


# --- search -------------------------------------------------------------------------


def test_a_typo_still_finds_the_service_and_says_why(organisation, owner, topics):
    publish(
        organisation,
        owner,
        topics,
        name="Enterprise mentoring scheme",
        topics=[topics["mentoring"]],
    )
    found = selectors.search(owner, selectors.SearchQuery(q="mentering"))
    names = [r.obj.name for r in found.results]
    assert "Enterprise mentoring scheme" in names
    assert found.corrections and "mentoring" in found.corrections[0].terms
    assert "mentoring" in found.results[0].why


def test_facets_narrow_results_and_count_them(organisation, owner, topics):
    publish(organisation, owner, topics, name="Online wellbeing", delivery="online")
    publish(
        organisation,
        owner,
        topics,
        name="Wellbeing walks",
        delivery="in_person",
        cost="paid",
        fees_description="£5",
    )
    everything = selectors.search(owner, selectors.SearchQuery(q="wellbeing"))
    counts = {o.value: o.count for o in everything.facets["delivery"]}
    assert counts == {"online": 1, "in_person": 1}
    online = selectors.search(
        owner, selectors.SearchQuery(q="wellbeing", delivery="online")
    )
    assert [r.obj.name for r in online.results if r.kind == "service"] == [
        "Online wellbeing"
    ]
    free = selectors.search(owner, selectors.SearchQuery(what="services", cost="free"))
    assert {r.obj.name for r in free.results} == {"Online wellbeing"}


def test_eligibility_facets_keep_services_open_to_everyone(organisation, owner, topics):
    north = Region.objects.order_by("pk")[0]
    south = Region.objects.order_by("pk")[1]
    publish(organisation, owner, topics, name="Only north", regions=[north])
    publish(organisation, owner, topics, name="Open to all")
    found = selectors.search(
        owner, selectors.SearchQuery(what="services", region=str(south.pk))
    )
    assert [r.obj.name for r in found.results] == ["Open to all"]


def test_hidden_and_inactive_services_are_not_found(organisation, owner, topics):
    publish(organisation, owner, topics, name="Closed one", status="inactive")
    found = selectors.search(owner, selectors.SearchQuery(q="closed"))
    assert not found.results
    publish(organisation, owner, topics, name="Visible one")
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    assert not selectors.search(owner, selectors.SearchQuery(q="visible")).results


def test_people_who_offer_the_topic_are_found_for_members(
    organisation, owner, outsider, topics
):
    mentor = make_person("mentor@example.com", "Mina Mentor")
    mentor.profile.topics_offered.add(topics["mentoring"])
    people = selectors.people_for_search(outsider, selectors.SearchQuery(q="mentering"))
    assert [p.obj.display_name for p in people] == ["Mina Mentor"]
    assert "Mentoring" in people[0].why
    assert (
        selectors.people_for_search(
            AnonymousUser(), selectors.SearchQuery(q="mentoring")
        )
        == []
    )


# --- navigator and plans ----------------------------------------------------------


def needs(topics, **extra):
    data = {"stage": Stage.START_UP, "topics": (topics["mindfulness"].pk,)}
    data.update(extra)
    return selectors.Needs(**data)


def test_the_navigator_ranks_eligible_services_with_reasons(
    wellbeing, organisation, owner, outsider, topics
):
    publish(
        organisation,
        owner,
        topics,
        name="For established firms only",
        stages=[Stage.ESTABLISHED],
    )
    plan = selectors.navigate(outsider, needs(topics))
    titles = [s.title for s in plan]
    assert titles[0] == "Founder Wellbeing Programme"
    assert "For established firms only" not in titles
    assert "Mindfulness" in plan[0].reason


def test_the_navigator_prefers_how_the_person_wants_help(
    organisation, owner, outsider, topics
):
    publish(organisation, owner, topics, name="Online course", delivery="online")
    publish(organisation, owner, topics, name="Meet in person", delivery="in_person")
    plan = selectors.navigate(outsider, needs(topics, delivery="in_person"))
    assert plan[0].title == "Meet in person"


def test_free_text_alone_finds_services(wellbeing, outsider, topics):
    plan = selectors.navigate(
        outsider, selectors.Needs(stage=Stage.IDEA, text="I feel stressed")
    )
    assert [s.title for s in plan] == ["Founder Wellbeing Programme"]


def test_a_saved_plan_is_ticked_off_and_shared_with_an_adviser(
    wellbeing, outsider, adviser, topics
):
    suggestions = selectors.navigate(outsider, needs(topics))
    plan = services.save_plan(by=outsider, needs=needs(topics), suggestions=suggestions)
    assert plan.title == "My support plan" and plan.items.count() == len(suggestions)
    item = plan.items.first()
    services.set_item_done(item, by=outsider, done=True)
    assert PlanItem.objects.get(pk=item.pk).done_at
    assert selectors.visible_plan(adviser, plan.pk) is None
    services.share_plan(plan, by=outsider, adviser=adviser)
    assert selectors.visible_plan(adviser, plan.pk) == plan
    assert Notification.objects.filter(
        recipient=adviser, kind="directory.plan_shared"
    ).exists()


def test_plans_stay_private_to_owner_and_chosen_advisers(
    wellbeing, outsider, owner, adviser, topics
):
    plan = services.save_plan(
        by=outsider,
        needs=needs(topics),
        suggestions=selectors.navigate(outsider, needs(topics)),
    )
    stranger = make_person("stranger@example.com", "Sid Stranger")
    assert selectors.visible_plan(stranger, plan.pk) is None
    with pytest.raises(NotAllowed):
        services.delete_plan(plan, by=stranger)
    with pytest.raises(NotAllowed):
        services.set_item_done(plan.items.first(), by=stranger, done=True)
    with pytest.raises(KindredError):
        services.share_plan(plan, by=outsider, adviser=stranger)  # not an adviser
    services.share_plan(plan, by=outsider, adviser=adviser)
    with pytest.raises(NotAllowed):
        services.delete_plan(plan, by=adviser)
    assert SupportPlan.objects.filter(pk=plan.pk).exists()
    assert plan.items.filter(done_at__isnull=False).count() == 0


def test_an_adviser_prepares_a_plan_for_a_client(wellbeing, adviser, outsider, topics):
    plan = services.save_plan(
        by=adviser,
        needs=needs(topics),
        suggestions=selectors.navigate(adviser, needs(topics)),
        owner=outsider,
    )
    assert plan.owner == outsider and plan.prepared_by == adviser
    assert selectors.visible_plan(adviser, plan.pk) == plan
    assert Notification.objects.filter(
        recipient=outsider, kind="directory.plan_shared"
    ).exists()


def test_only_advisers_prepare_plans_for_others(wellbeing, outsider, topics):
    other = make_person("other@example.com", "Otto Other")
    with pytest.raises(NotAllowed):
        services.save_plan(
            by=outsider,
            needs=needs(topics),
            suggestions=selectors.navigate(outsider, needs(topics)),
            owner=other,
        )
    assert not SupportPlan.objects.exists()


def test_an_empty_plan_is_refused(outsider, topics):
    with pytest.raises(KindredError):
        services.save_plan(by=outsider, needs=needs(topics), suggestions=[])


def test_directory_health_counts_the_gaps(wellbeing, steward, topics):
    Organisation.objects.create(name="Empty Org", slug="empty-org", kind="charity")
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=365)
    )
    health = selectors.directory_health()
    assert health.totals["stale"] == 1
    assert health.totals["organisations_without_services"] == 1


def test_search_queries_stay_constant_as_the_directory_grows(
    organisation, owner, topics, django_assert_max_num_queries
):
    for i in range(3):
        publish(organisation, owner, topics, name=f"Mindful service {i}")
    selectors.search(owner, selectors.SearchQuery(q="mindful"))  # builds the index
    with django_assert_max_num_queries(20) as few:
        selectors.search(owner, selectors.SearchQuery(q="mindful"))
    for i in range(20):
        publish(organisation, owner, topics, name=f"More mindful service {i}")
    selectors.search(owner, selectors.SearchQuery(q="mindful"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        selectors.search(owner, selectors.SearchQuery(q="mindful"))


def test_membership_role_makes_an_adviser(organisation, outsider):
    assert not selectors.is_adviser(outsider)
    Membership.objects.create(
        organisation=organisation, user=outsider, role=Role.PRACTITIONER
    )
    assert selectors.is_adviser(outsider)


def test_a_service_gets_a_place_and_can_lose_it(wellbeing, owner):
    place = {
        "name": "Enterprise Centre",
        "address_1": "1 Quay St",
        "city": "Northshire",
    }
    services.update_service(wellbeing, by=owner, location=place)
    sal = wellbeing.service_at_locations.get()
    assert sal.location.name == "Enterprise Centre"
    assert sal.location.organisation == wellbeing.organisation
    services.update_service(wellbeing, by=owner, location={**place, "city": "Leeds"})
    assert wellbeing.service_at_locations.get().location.city == "Leeds"
    services.update_service(wellbeing, by=owner, location={})
    assert not wellbeing.service_at_locations.exists()


def test_a_place_needs_an_address_or_postcode(wellbeing, owner):
    with pytest.raises(KindredError) as error:
        services.update_service(wellbeing, by=owner, location={"name": "Somewhere"})
    assert error.value.field == "location_address_1"
    assert not wellbeing.service_at_locations.exists()


def test_a_plan_for_a_client_names_only_people_the_client_may_see(
    wellbeing, owner, adviser, outsider, topics
):
    from kindred.accounts.models import Visibility

    owner.profile.topics_offered.add(topics["mindfulness"])
    owner.profile.topics_offered_visibility = Visibility.ORGANISATIONS
    owner.profile.save()
    assert any(s.kind == "person" for s in selectors.navigate(adviser, needs(topics)))
    plan = services.save_plan(by=adviser, needs=needs(topics), owner=outsider)
    assert not plan.items.filter(kind="person", object_id=owner.profile.pk).exists()


def test_changing_a_shared_place_moves_only_this_service(wellbeing, owner, topics):
    place = {"name": "Enterprise Centre", "address_1": "1 Quay St"}
    services.update_service(wellbeing, by=owner, location=place)
    shared = wellbeing.service_at_locations.get().location
    other = publish(wellbeing.organisation, owner, topics, name="Another")
    from kindred.directory.models import ServiceAtLocation

    ServiceAtLocation.objects.create(service=other, location=shared)
    services.update_service(wellbeing, by=owner, location={**place, "city": "Leeds"})
    shared.refresh_from_db()
    assert shared.city == "" and other.service_at_locations.get().location == shared
    assert wellbeing.service_at_locations.get().location.city == "Leeds"


def test_the_review_reminder_links_to_the_services_page(wellbeing, owner):
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=200)
    )
    services.flag_stale_services()
    note = Notification.objects.get(recipient=owner, kind="directory.services_stale")
    assert (
        note.url == f"/directory/organisations/{wellbeing.organisation.slug}/services/"
    )
    assert note.message.startswith("1 service of")
