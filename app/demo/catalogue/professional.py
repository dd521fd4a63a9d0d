"""Harbour Business Circle: lawyers, accountants, agents and advisers who pass clients on."""

from __future__ import annotations

from app.demo.catalogue.types import NetworkCatalogue, Profile, Service

LAW = Profile(
    specialty="Commercial law",
    extra_specialties=("Property law", "Employment law", "Wills & probate"),
    practice_words=("Solicitors", "Law", "Legal LLP"),
    title="",
    person_share=0.5,
    share=0.18,
    send_weight=1.4,
    receive_weight=1.4,
    capacity=(5, 15),
    services=(
        Service(
            "Shareholders' agreement",
            (
                "Two founders bringing in an investor; need a shareholders' agreement.",
                "Family business passing to the next generation.",
            ),
        ),
        Service(
            "Commercial lease review",
            ("Client is signing a 10-year lease on a shop unit.",),
        ),
        Service(
            "Employment contract review",
            ("First employees starting next month; contracts and handbook needed.",),
        ),
        Service(
            "Wills and lasting power of attorney",
            ("Client has just sold a business and needs to update the will.",),
        ),
    ),
    outcomes=(
        "Agreement drafted and signed by all parties.",
        "Lease negotiated down to a 5-year term with a break clause.",
        "Contracts and staff handbook delivered.",
    ),
    bios=("Commercial solicitor for owner-managed businesses.",),
    value_range=(800, 9000),
)

ACCOUNTANCY = Profile(
    specialty="Accountancy",
    extra_specialties=("Tax advice", "Payroll", "Bookkeeping"),
    practice_words=("Accountants", "& Co Chartered Accountants", "Tax Advisers"),
    title="",
    person_share=0.4,
    share=0.18,
    send_weight=1.6,
    receive_weight=1.3,
    capacity=(8, 25),
    services=(
        Service(
            "Year-end accounts and corporation tax",
            (
                "New limited company approaching its first year end.",
                "Owner has fallen behind with filings and needs help catching up.",
            ),
        ),
        Service(
            "Capital gains tax advice",
            ("Client is selling a buy-to-let flat this year.",),
        ),
        Service(
            "VAT registration",
            ("Sole trader about to pass the VAT threshold.",),
        ),
    ),
    outcomes=(
        "Engaged for annual accounts and tax returns.",
        "Tax return filed; liability lower than the client expected.",
        "VAT registration done and quarterly returns set up.",
    ),
    bios=("Chartered accountants for small businesses and landlords.",),
    value_range=(400, 4500),
)

ESTATE_AGENCY = Profile(
    specialty="Estate agency",
    extra_specialties=("Lettings", "Commercial property", "Valuations"),
    practice_words=("Estates", "Property", "Homes"),
    title="",
    person_share=0.2,
    share=0.14,
    send_weight=1.3,
    receive_weight=1.0,
    capacity=(10, 30),
    services=(
        Service(
            "Property valuation and sale",
            (
                "Client is downsizing and wants a valuation of the family home.",
                "Probate sale of a terraced house.",
            ),
        ),
        Service(
            "Commercial letting",
            ("Growing business looking for a larger warehouse unit.",),
        ),
    ),
    outcomes=(
        "Property sold at the asking price.",
        "Lease agreed on a new unit; completion next month.",
        "Valuation done; client decided to let rather than sell.",
    ),
    bios=("Independent estate agents, sales and lettings since 1998.",),
    value_range=(1500, 15000),
)

FINANCIAL_ADVICE = Profile(
    specialty="Financial planning",
    extra_specialties=("Pensions", "Investments", "Inheritance tax planning"),
    practice_words=("Wealth Management", "Financial Planning", "Private Clients"),
    title="",
    person_share=0.6,
    share=0.14,
    send_weight=1.0,
    receive_weight=1.1,
    capacity=(6, 20),
    services=(
        Service(
            "Retirement planning",
            (
                "Business owner planning to retire in 5 years.",
                "Client has several old workplace pensions to consolidate.",
            ),
        ),
        Service(
            "Investment review",
            ("Proceeds of a business sale to invest.",),
        ),
    ),
    outcomes=(
        "Pension transfer completed and plan agreed.",
        "Ongoing advice agreement signed.",
        "Advised to keep current arrangements; no fee charged beyond the review.",
    ),
    bios=("Chartered financial planner; retirement and business owners.",),
    value_range=(500, 7000),
)

INSURANCE = Profile(
    specialty="Insurance broking",
    extra_specialties=("Professional indemnity", "Commercial property insurance"),
    practice_words=("Insurance Brokers", "Risk Services"),
    title="",
    person_share=0.3,
    share=0.12,
    send_weight=0.8,
    receive_weight=1.0,
    capacity=(10, 40),
    services=(
        Service(
            "Professional indemnity cover",
            ("New consultancy needs professional indemnity before its first contract.",),
        ),
        Service(
            "Commercial property insurance",
            ("Client has bought a mixed-use building.",),
        ),
        Service(
            "Key person insurance",
            ("Company depends on one director; lender asks for key person cover.",),
        ),
    ),
    outcomes=(
        "Policy placed with a lower premium than the renewal quote.",
        "Cover arranged from the completion date.",
    ),
    bios=("Independent Lloyd's broker for small firms.",),
    value_range=(150, 2500),
)

MORTGAGE_BROKING = Profile(
    specialty="Mortgage broking",
    extra_specialties=("Commercial mortgages", "Buy-to-let mortgages"),
    practice_words=("Mortgages", "Finance"),
    title="",
    person_share=0.5,
    share=0.1,
    send_weight=0.9,
    receive_weight=0.9,
    capacity=(10, 30),
    services=(
        Service(
            "Commercial mortgage",
            ("Client is buying the premises it currently rents.",),
        ),
        Service(
            "Remortgage",
            ("Fixed rate ends in 4 months; client wants to compare lenders.",),
        ),
    ),
    outcomes=(
        "Mortgage offer issued; completion booked.",
        "Product transfer arranged with the current lender.",
    ),
    bios=("Whole-of-market mortgage brokers.",),
    value_range=(300, 3000),
)

BUSINESS_CONSULTING = Profile(
    specialty="Business consulting",
    extra_specialties=("Marketing", "Business planning", "HR consulting"),
    practice_words=("Consulting", "Partners", "Advisory"),
    title="",
    person_share=0.6,
    share=0.08,
    send_weight=0.8,
    receive_weight=0.7,
    capacity=(4, 12),
    services=(
        Service(
            "Business plan for a loan application",
            ("Bank asks for a 3-year plan before agreeing the loan.",),
        ),
        Service(
            "HR policies",
            ("Company reaching 20 staff needs an HR framework.",),
        ),
    ),
    outcomes=(
        "Business plan delivered; loan approved.",
        "HR policies written and managers trained.",
    ),
    bios=("Consultants helping small firms grow.",),
    value_range=(1000, 12000),
)

HARBOUR = NetworkCatalogue(
    name="Harbour Business Circle",
    kind="professional",
    timezone="Europe/London",
    validity_months=12,
    expire_after_days=21,
    towns=("Harbourside", "Port Ellis", "Saltmarsh", "Quayford", "Seacombe", "Gullhaven"),
    postcode_area="HB",
    profiles=(
        LAW,
        ACCOUNTANCY,
        ESTATE_AGENCY,
        FINANCIAL_ADVICE,
        INSURANCE,
        MORTGAGE_BROKING,
        BUSINESS_CONSULTING,
    ),
    decline_reasons=(
        "Conflict of interest: we act for the other party.",
        "Fully booked until next quarter.",
        "Work too small for us to take on economically.",
        "Outside our area of practice.",
    ),
    cancel_reasons=(
        "Client decided not to go ahead.",
        "Client found another adviser through a friend.",
        "Deal fell through.",
    ),
    no_show_reasons=("Client missed the meeting and did not rebook.",),
    notes=(
        "Client prefers video calls.",
        "Urgent: completion date is fixed.",
        "Please copy me into the engagement letter.",
        "Client is a long-standing customer of ours.",
    ),
    client_age=(22, 80),
    identifier_prefix="HBC",
)
