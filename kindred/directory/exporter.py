"""Export the whole directory as HSDS 3.0 JSON and as the tabular data package."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kindred.directory import hsds, hsds_tabular
from kindred.directory.models import Location
from kindred.directory.selectors import service_queryset
from kindred.organisations.models import Organisation

CHUNK = 1000


def _services(progress: Callable[[int, int], None] | None) -> Iterator[dict[str, Any]]:
    # Hidden organisations stay out of the export, and their services with them.
    queryset = service_queryset().filter(organisation__is_active=True).order_by("pk")
    total = queryset.count()
    last = 0
    done = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        for service in chunk:
            yield hsds.service_json(service)
        last = chunk[-1].pk
        done += len(chunk)
        if progress:
            progress(done, total)


def _organisations() -> list[dict[str, Any]]:
    organisations = (
        Organisation.objects.filter(is_active=True)
        .select_related("hsds_record")
        .prefetch_related("locations")
        .order_by("pk")
    )
    result = []
    for organisation in organisations:
        data = hsds.organisation_json(organisation, full=True)
        data.pop("services", None)
        result.append(data)
    return result


def _unlinked_locations() -> list[dict[str, Any]]:
    return [
        hsds.location_json(loc)
        for loc in Location.objects.filter(organisation__isnull=True).order_by("pk")
    ]


def export(
    folder: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> list[Path]:
    """Write `folder/json/*.json` and `folder/tabular/` (datapackage.json + CSVs)."""
    root = Path(folder)
    (root / "json").mkdir(parents=True, exist_ok=True)
    services = list(_services(progress))
    organisations = _organisations()
    taxonomies = [hsds.taxonomy_json(t) for t in hsds.TAXONOMIES.values()]
    terms = hsds.all_terms(detail=False)
    for term in terms:
        term["taxonomy_id"] = hsds.TAXONOMIES_BY_NAME[term["taxonomy"]].id
    unlinked = _unlinked_locations()
    written = []
    for name, data in (
        ("services.json", services),
        ("organizations.json", organisations),
        ("locations.json", unlinked),
        ("taxonomies.json", taxonomies),
        ("taxonomy_terms.json", terms),
    ):
        path = root / "json" / name
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        written.append(path)
    files = hsds_tabular.write_package(
        root / "tabular",
        organizations=organisations,
        services=services,
        taxonomies=taxonomies,
        taxonomy_terms=terms,
        locations=unlinked,
    )
    written += [root / "tabular" / f for f in files]
    return written
