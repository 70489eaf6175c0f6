"""The staff console kit: sign-in through the county's OpenID provider, the layout, CSRF and headers of `/console`."""

from shared.console.kit import ConsoleBlueprint, install_console, local_time, page, refusal_page, signed_in

__all__ = ["ConsoleBlueprint", "install_console", "local_time", "page", "refusal_page", "signed_in"]
