"""Fictional names, streets and contact numbers shared by both demo networks."""

from __future__ import annotations

GIVEN_NAMES: tuple[str, ...] = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo",
    "Freya", "Oscar", "Florence", "Harry", "Willow", "Jack", "Rosie", "Theo", "Grace",
    "Charlie", "Sophia", "Finley", "Evie", "Henry", "Poppy", "Thomas", "Daisy", "Alfie",
    "Priya", "Arjun", "Aisha", "Omar", "Zara", "Yusuf", "Mei", "Wei", "Chioma", "Tunde",
    "Niamh", "Ciaran", "Siobhan", "Rhys", "Cerys", "Eilidh", "Callum", "Ewan", "Kasia",
    "Tomasz", "Lucia", "Mateo", "Ana", "Dimitri", "Elena", "Samuel", "Hannah", "Joseph",
    "Nadia", "Ravi", "Leila", "Hamza", "Imogen", "Bethany", "Margaret", "Peter", "Helen",
    "David", "Susan", "Michael", "Patricia", "Robert", "Joyce", "Kenneth",
)  # fmt: skip

FAMILY_NAMES: tuple[str, ...] = (
    "Hart", "Ashworth", "Okafor", "Patel", "Nguyen", "Fitzgerald", "Morgan", "Lindqvist",
    "Rahman", "Kowalski", "Brennan", "Castellano", "Osei", "Whitfield", "Thornton", "Iqbal",
    "Chen", "Mensah", "Hughes", "Davies", "Evans", "Campbell", "MacLeod", "Sinclair",
    "Pemberton", "Holloway", "Abbott", "Barker", "Chaudhry", "Delaney", "Ellison", "Farrow",
    "Gallagher", "Hussain", "Jennings", "Kaur", "Lawson", "Marsh", "Novak", "O'Neill",
    "Parry", "Quinn", "Rowe", "Sato", "Tanaka", "Underwood", "Vance", "Walsh", "Yates",
    "Zielinski", "Bishop", "Carver", "Dunmore", "Everett", "Fairbairn", "Goodwin", "Hale",
    "Ingram", "Kimura", "Lockwood", "Mistry", "Nash", "Ortega", "Pryce", "Radford",
    "Shah", "Trevelyan", "Upton", "Wainwright", "Adeyemi", "Bianchi", "Costa", "Duarte",
)  # fmt: skip

STREETS: tuple[str, ...] = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Victoria Road",
    "Queen's Parade",
    "Park Avenue",
    "Market Square",
    "Orchard Close",
    "Bridge Street",
    "Wharf Lane",
    "Chapel Row",
    "Kingsway",
    "The Crescent",
)

# Letters UK postcodes use in the inward code.
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Ofcom reserves these ranges for drama: they never ring a real person.
LANDLINE_PREFIX = "01632 960"
MOBILE_PREFIX = "07700 900"
