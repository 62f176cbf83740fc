"""Static reference data for the demo company: products, prices, geography, names, features.

Everything here is fixed (no randomness), so a seed fully determines the generated data.
`FEATURE_CATALOG` and `SLA_HOURS` are also shipped as the dbt seeds `seeds/feature_catalog.csv`
and `seeds/support_sla_hours.csv`; a unit test keeps the two in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from cs_metrics.contract import MONEY

# ------------------------------------------------------------------ segments
SMB, MID, ENT = 0, 1, 2
SEGMENT_WEIGHTS = (0.74, 0.22, 0.04)
# Annual recurring revenue (USD) each segment is designed to start inside.
ARR_FLOOR = {SMB: 0.0, MID: 12_000.0, ENT: 110_000.0}
ARR_CEILING = {SMB: 9_000.0, MID: 80_000.0, ENT: 10_000_000.0}

# ------------------------------------------------------------------ currencies
CURRENCIES = ("USD", "EUR", "GBP", "JPY")
USD, EUR, GBP, JPY = range(4)
# Minor units per major unit (JPY is a zero-decimal currency).
MINOR_PER_MAJOR = (100, 100, 100, 1)
# Starting rate (1 unit = this many USD) and daily volatility of the FX random walk.
FX_START = {EUR: 1.085, GBP: 1.265, JPY: 0.00685}
FX_DAILY_VOL = {EUR: 0.0035, GBP: 0.0040, JPY: 0.0050}
# Money leaves the generator as integers in units of 10^-scale of the contract's decimal type.
MONEY_UNIT = 10**MONEY.scale
BP_TO_SCALED = MONEY_UNIT // 100  # discount in basis points (1250 = 12.5 %) → scaled percent


def scaled(minor: int, currency: int) -> int:
    """Minor units of a currency (cents, whole yen) as contract decimal units (10^-scale)."""
    return minor * (MONEY_UNIT // MINOR_PER_MAJOR[currency])


# Price-list conversion from USD list prices (rounded to "nice" local prices).
PRICE_FACTOR = (1.0, 0.92, 0.79, 150.0)

# ------------------------------------------------------------------ geography
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (0.55, 0.28, 0.12, 0.05)


@dataclass(frozen=True)
class Country:
    code: str
    region: int
    currency: int
    weight: float  # within its region
    tax_rate: float
    legal_forms: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country("US", 0, USD, 0.86, 0.0, ("Inc.", "LLC", "Corp.")),
    Country("CA", 0, USD, 0.14, 0.05, ("Inc.", "Ltd.")),
    Country("GB", 1, GBP, 0.28, 0.20, ("Ltd", "plc")),
    Country("DE", 1, EUR, 0.22, 0.19, ("GmbH", "AG")),
    Country("FR", 1, EUR, 0.14, 0.20, ("SAS", "SA")),
    Country("NL", 1, EUR, 0.10, 0.21, ("B.V.",)),
    Country("ES", 1, EUR, 0.07, 0.21, ("S.L.",)),
    Country("IE", 1, EUR, 0.06, 0.23, ("Ltd",)),
    Country("SE", 1, EUR, 0.06, 0.25, ("AB",)),
    Country("CH", 1, USD, 0.07, 0.081, ("AG", "GmbH")),
    Country("JP", 2, JPY, 0.50, 0.10, ("K.K.", "G.K.")),
    Country("AU", 2, USD, 0.25, 0.10, ("Pty Ltd",)),
    Country("SG", 2, USD, 0.15, 0.09, ("Pte. Ltd.",)),
    Country("IN", 2, USD, 0.10, 0.18, ("Pvt. Ltd.",)),
    Country("BR", 3, USD, 0.45, 0.0, ("Ltda.", "S.A.")),
    Country("MX", 3, USD, 0.30, 0.16, ("S.A. de C.V.",)),
    Country("CL", 3, USD, 0.15, 0.19, ("SpA",)),
    Country("AR", 3, USD, 0.10, 0.0, ("S.R.L.",)),
)
# Typical UTC hour of product use, per region (business hours in local time).
REGION_PEAK_HOUR_UTC = (17.0, 11.0, 3.0, 16.0)

INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "retail",
    "manufacturing",
    "education",
    "media",
    "logistics",
    "professional_services",
    "telecommunications",
    "energy",
    "nonprofit",
)
INDUSTRY_WEIGHTS = (0.22, 0.12, 0.10, 0.09, 0.09, 0.07, 0.06, 0.06, 0.09, 0.04, 0.03, 0.03)

CHANNELS = ("inbound", "outbound", "partner", "referral", "paid", "self_serve", "other")
CHANNEL_WEIGHTS = {
    SMB: (0.22, 0.05, 0.05, 0.10, 0.18, 0.38, 0.02),
    MID: (0.35, 0.25, 0.12, 0.12, 0.08, 0.05, 0.03),
    ENT: (0.20, 0.50, 0.18, 0.08, 0.01, 0.0, 0.03),
}
# (median, sigma, min, max) of employee_count per segment.
EMPLOYEES = {SMB: (35, 0.9, 2, 400), MID: (400, 0.8, 50, 5000), ENT: (6000, 1.0, 800, 250000)}


# ------------------------------------------------------------------ products and plans
@dataclass(frozen=True)
class Product:
    code: str
    name: str
    per_seat: bool
    usd_month: float  # USD list price of one unit for one month
    intervals: tuple[tuple[str, int], ...]  # (billing_interval, interval_count)


MONTH1 = ("month", 1)
QUARTER1 = ("quarter", 1)
YEAR1 = ("year", 1)
YEAR2 = ("year", 2)
YEAR3 = ("year", 3)
INTERVAL_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# Price of an interval relative to paying monthly list price for its months (prepay discount).
INTERVAL_PRICE_FACTOR = {MONTH1: 1.0, QUARTER1: 0.97, YEAR1: 0.85, YEAR2: 0.80, YEAR3: 0.75}
TERMED = (YEAR1, YEAR2, YEAR3)

PRODUCTS: tuple[Product, ...] = (
    Product("starter", "Starter", False, 99.0, (MONTH1, YEAR1)),
    Product("professional", "Professional", True, 89.0, (MONTH1, QUARTER1, YEAR1)),
    Product("enterprise", "Enterprise", True, 179.0, TERMED),
    Product("platform", "Enterprise Platform", False, 3000.0, TERMED),
    Product("analytics", "Analytics Add-on", True, 19.0, (MONTH1, QUARTER1, *TERMED)),
    Product("support", "Premium Support", False, 750.0, (MONTH1, QUARTER1, *TERMED)),
    # Metered: billed in arrears on usage invoice lines only, never on a subscription item.
    Product("api_overage", "API Overage (per 1,000 calls)", False, 0.40, (MONTH1,)),
)
PRODUCT_INDEX = {p.code: i for i, p in enumerate(PRODUCTS)}
STARTER_USER_CAP = 5  # the flat Starter plan allows up to five users


@dataclass(frozen=True)
class Plan:
    index: int
    plan_id: str
    product: int
    interval: str
    interval_count: int
    currency: int
    unit_minor: int  # price of one unit for one interval, in minor units of the currency

    @property
    def months(self) -> int:
        return INTERVAL_MONTHS[self.interval] * self.interval_count


def local_month_price_minor(product: Product, currency: int) -> int:
    """Monthly list price of one unit in the currency's minor units, rounded to a nice price."""
    local = product.usd_month * PRICE_FACTOR[currency]
    if currency == JPY:
        step = 1 if local < 1000 else 100  # yen: whole yen, larger prices in hundreds
        return max(1, round(local / step) * step)
    if local < 5:
        return round(local * 100)
    return round(local) * 100


def build_plans() -> tuple[Plan, ...]:
    """Every product × interval × currency combination, in a fixed order."""
    plans: list[Plan] = []
    for currency, ccy in enumerate(CURRENCIES):
        for p_idx, product in enumerate(PRODUCTS):
            month_minor = local_month_price_minor(product, currency)
            for interval in product.intervals:
                months = INTERVAL_MONTHS[interval[0]] * interval[1]
                raw = month_minor * months * INTERVAL_PRICE_FACTOR[interval]
                # Whole major units for interval prices above one month (JPY: whole yen).
                step = MINOR_PER_MAJOR[currency] if months > 1 else 1
                unit_minor = round(raw / step) * step
                plan_id = f"{product.code}_{interval[0]}{interval[1]}_{ccy.lower()}"
                plans.append(
                    Plan(len(plans), plan_id, p_idx, interval[0], interval[1], currency, unit_minor)
                )
    return tuple(plans)


PLANS = build_plans()
PLAN_LOOKUP = {(p.product, p.interval, p.interval_count, p.currency): p for p in PLANS}


def plan_for(product: str, interval: tuple[str, int], currency: int) -> Plan:
    """The plan of a product for a billing interval in a currency."""
    return PLAN_LOOKUP[(PRODUCT_INDEX[product], interval[0], interval[1], currency)]


# ------------------------------------------------------------------ product usage
# (event_name, feature, is_core); about 20 events over 8 features, 5 of them core.
FEATURE_CATALOG: tuple[tuple[str, str, bool], ...] = (
    ("dashboard_viewed", "dashboards", True),
    ("dashboard_created", "dashboards", True),
    ("dashboard_shared", "dashboards", True),
    ("report_run", "reports", True),
    ("report_exported", "reports", True),
    ("report_scheduled", "reports", True),
    ("workflow_created", "workflows", True),
    ("workflow_run", "workflows", True),
    ("comment_added", "collaboration", True),
    ("mention_sent", "collaboration", True),
    ("task_assigned", "collaboration", True),
    ("integration_connected", "integrations", True),
    ("data_synced", "integrations", True),
    ("api_key_created", "integrations", True),
    ("alert_created", "alerts", False),
    ("alert_triggered", "alerts", False),
    ("user_logged_in", "account_admin", False),
    ("user_invited", "account_admin", False),
    ("settings_updated", "account_admin", False),
    ("mobile_session_started", "mobile", False),
)
# Relative frequency of each event within its feature (same order as FEATURE_CATALOG).
EVENT_WEIGHTS = (
    6.0,
    1.0,
    1.0,
    5.0,
    1.5,
    0.5,
    0.7,
    4.0,
    3.0,
    1.5,
    1.5,
    0.2,
    3.0,
    0.1,
    0.6,
    2.0,
    8.0,
    0.4,
    0.5,
    1.5,
)
# Relative frequency of the non-core features when a non-core event is drawn.
NON_CORE_FEATURE_WEIGHTS = {"alerts": 0.25, "account_admin": 0.55, "mobile": 0.20}

SLA_HOURS: tuple[tuple[str, int], ...] = (("urgent", 1), ("high", 4), ("normal", 24), ("low", 48))
PRIORITY_WEIGHTS = (0.07, 0.19, 0.46, 0.28)  # urgent, high, normal, low
# Raw priority spellings a help desk export might hold besides the clean ones.
WEIRD_PRIORITIES = ("p2", "High ", "URGENT", " normal", "Low")

# ------------------------------------------------------------------ CRM
ACTIVITY_TYPES = (
    "call",
    "email",
    "meeting",
    "qbr",
    "onboarding",
    "training",
    "escalation",
    "other",
)
OPPORTUNITY_OPEN_STAGES = ("prospecting", "qualification", "proposal", "negotiation")


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """A tuple of names from a block of text (split on whitespace or on `sep`)."""
    return tuple(part.strip() for part in text.split(sep) if part.strip())


FIRST_NAMES = _words(
    """
    Aiko Alex Amara Ana Andrea Arjun Ben Carla Chen Chloe Daniel David Elena Emma Fatima Felix
    Hana Hannah Hiroshi Ines Isabel James Jonas Julia Kai Kenji Laura Lea Leon Lucas Maria
    Mateo Mia Mohammed Nadia Noah Olivia Omar Paula Priya Rafael Ravi Sam Sara Sofia Sven Tom
    Valentina Wei Yuki Zoe Lars Ingrid Diego Lucia Marco Giulia Pierre Camille Ethan
"""
)
LAST_NAMES = _words(
    """
    Abe, Andersson, Bauer, Becker, Bernard, Brown, Castro, Chen, Costa, Dubois, Evans,
    Fischer, Garcia, Gonzalez, Gupta, Hansen, Hoffmann, Ito, Jansen, Johnson, Kato, Khan, Kim,
    Klein, Kowalski, Lee, Lopez, Martin, Meyer, Moreau, Muller, Murphy, Nakamura, Nguyen,
    Novak, OBrien, Patel, Petrov, Rossi, Sato, Schmidt, Silva, Singh, Smith, Suzuki, Tanaka,
    Taylor, Thomas, Tran, Van Dijk, Wagner, Walker, Wang, Weber, Williams, Wilson, Yamamoto,
    Young, Zhang, Ziegler
""",
    sep=",",
)
COMPANY_PREFIXES = _words(
    """
    Acme Apex Arbor Atlas Aurora Beacon Blue Bright Cedar Cobalt Copper Crest Delta Echo Ember
    Evergreen Falcon Fern Granite Harbor Helix Horizon Indigo Iron Juniper Keystone Lumen
    Maple Meridian Nimbus Nova Oak Onyx Orbit Pacific Pine Pioneer Polar Prism Quartz Radiant
    Redwood River Sable Sage Sierra Silver Solar Spruce Stellar Summit Terra Tidal Union
    Vector Velvet Vista Willow Zenith Zephyr
"""
)
COMPANY_SUFFIXES = _words(
    """
    Analytics Bank Bio Brands Capital Cloud Commerce Consulting Dynamics Energy Foods Freight
    Games Health Industries Insurance Labs Logistics Media Medical Motors Networks Partners
    Pharma Robotics Security Software Studios Systems Telecom Textiles Travel Ventures Works
"""
)
CONTACT_TITLES = (
    "Operations Manager",
    "Team Lead",
    "Analyst",
    "Project Manager",
    "Product Manager",
    "Engineer",
    "Marketing Manager",
    "Customer Success Lead",
    "IT Administrator",
    "Consultant",
)
DECISION_MAKER_TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "COO",
    "VP Operations",
    "VP Engineering",
    "Head of Data",
    "Director of IT",
    "Head of Customer Success",
)
NPS_COMMENTS = {
    "detractor": (
        "Too expensive for what we use.",
        "Reports are slow and the support team took days to answer.",
        "We struggled to onboard the rest of the team.",
        "Missing the integrations we need. Call me on +1 555 0100, Dana.",
        "The new pricing does not work for us.",
    ),
    "passive": (
        "Does the job, but the dashboards could be more flexible.",
        "Good product, onboarding was a bit rough.",
        "Fine overall. Please add SSO for smaller plans.",
    ),
    "promoter": (
        "Our whole team lives in the workflows now.",
        "Great support and the reports save us hours every week.",
        "Best tool we adopted this year - thanks to Maria from your CS team!",
        "Love the integrations, setup was painless.",
    ),
}
