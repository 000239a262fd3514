"""The starting vocabularies every Kindred ecosystem shares.

Stewards can add, rename and retire topics afterwards in the steward console.
"""

from typing import Any

from django.utils.text import slugify

TOPICS: dict[str, list[str]] = {
    "Starting up": [
        "Business planning",
        "Validating an idea",
        "Legal structure and registration",
        "Business model design",
    ],
    "Finance": [
        "Cash-flow forecasting",
        "Bookkeeping and accounts",
        "Tax and VAT",
        "Raising equity investment",
        "Loans and grants",
        "Pricing",
    ],
    "Sales and marketing": [
        "Marketing strategy",
        "Digital marketing and social media",
        "Branding",
        "Sales and negotiation",
        "Customer research",
        "Public procurement and tenders",
    ],
    "Growth": [
        "Exporting and international trade",
        "Scaling operations",
        "Innovation and R&D",
        "Intellectual property",
        "Partnerships and collaboration",
    ],
    "People": [
        "Recruiting and hiring",
        "Leadership and management",
        "Employment law and HR",
        "Team culture",
    ],
    "Wellbeing": [
        "Mindfulness",
        "Stress and resilience",
        "Work-life balance",
        "Founder mental health",
    ],
    "Operations": [
        "Digital tools and IT",
        "Cyber security",
        "Supply chain and logistics",
        "Premises and property",
        "Regulation and compliance",
    ],
    "Impact": [
        "Net zero and sustainability",
        "Social enterprise",
        "Community and local economy",
    ],
    "Skills": [
        "Mentoring",
        "Coaching",
        "Public speaking and pitching",
        "Networking",
    ],
}

REGIONS = [
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
    "Northern Ireland",
]

SECTORS = [
    "Agriculture and food",
    "Construction",
    "Creative industries",
    "Digital and technology",
    "Education",
    "Energy and environment",
    "Financial services",
    "Health and care",
    "Hospitality and tourism",
    "Life sciences",
    "Manufacturing",
    "Professional services",
    "Retail and e-commerce",
    "Social enterprise",
    "Transport and logistics",
]


def seed(topic_model: Any, region_model: Any, sector_model: Any) -> None:
    """Create any missing starting terms; existing ones are left as stewards made them.

    Takes the model classes so that a migration can pass its historical models.
    """
    for broad, narrower in TOPICS.items():
        parent, _ = topic_model.objects.get_or_create(
            slug=slugify(broad), defaults={"name": broad}
        )
        for name in narrower:
            topic_model.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "parent": parent}
            )
    for name in REGIONS:
        region_model.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    for name in SECTORS:
        sector_model.objects.get_or_create(slug=slugify(name), defaults={"name": name})
