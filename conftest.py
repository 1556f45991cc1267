pytest_plugins = [
    "conferral.testing.base",
    "conferral.testing.smtp",
    "conferral.testing.browser",
    "conferral.testing.services",
]
