pytest_plugins = [
    "pytester",
    "conferral.testing.base",
    "conferral.testing.smtp",
    "conferral.testing.browser",
    "conferral.testing.services",
    "conferral.testing.dovecot",
    "conferral.testing.naming",
]
