"""Root conftest of the demo QA project (the uatkit plugin itself loads through its pytest11 entry point).

pytest 9 accepts `pytest_plugins` only here, so this is where the project's fixtures and step modules load.
"""

pytest_plugins = [
    "fixtures.drivers",
    "fixtures.world",
    "fixtures.factories",
    "steps.accounts",
    "steps.access",
    "steps.orders",
    "steps.stock",
    "steps.reports",
    "uatkit.steps.data",
]
