"""What the demo networks are made of: specialties, services, reasons, people and places.

Everything here is fictional. Telephone numbers come from Ofcom's ranges reserved for drama
(01632 960xxx, 07700 900xxx), e-mail domains end in .example or example.org, and postcode
areas (RV, HB) do not exist in the United Kingdom.
"""

from app.demo.catalogue.clinical import RIVERSIDE
from app.demo.catalogue.professional import HARBOUR
from app.demo.catalogue.types import NetworkCatalogue, Profile, Service

NETWORKS: tuple[NetworkCatalogue, ...] = (RIVERSIDE, HARBOUR)
DEMO_NETWORK_NAMES: tuple[str, ...] = tuple(n.name for n in NETWORKS)

__all__ = [
    "DEMO_NETWORK_NAMES",
    "HARBOUR",
    "NETWORKS",
    "RIVERSIDE",
    "NetworkCatalogue",
    "Profile",
    "Service",
]
