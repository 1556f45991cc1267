"""`python -m conferral.cli`, the same as the `conferral` command."""

from conferral.cli.main import main

main()
