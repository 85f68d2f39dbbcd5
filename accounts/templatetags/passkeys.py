"""`{% passkey_host_url as url %}`: where passkeys cannot work because the page was opened at an address made of
numbers (http://127.0.0.1:8000, as a local server prints), say so and give the same page by name.

A passkey is bound to a site's name (WebAuthn's relying party id), and a browser refuses an IP address
as one: the button would fail without a word (a SecurityError in the console only)."""

import ipaddress

from django import template
from django.http import HttpRequest
from django.http.request import split_domain_port

register = template.Library()


def numeric_host(host: str) -> bool:
    """Whether `host` (as the browser sent it, perhaps with a port) is an IP address, not a name."""
    domain, _port = split_domain_port(host)
    try:
        ipaddress.ip_address(domain.strip("[]"))
    except ValueError:
        return False
    return True


def passkey_url_by_name(request: HttpRequest) -> str | None:
    """The same page at `localhost` when it was opened on a loopback address, "" for any other numeric
    address (no name is known for it), or None when passkeys can work here."""
    host = request.get_host()
    if not numeric_host(host):
        return None
    domain, port = split_domain_port(host)
    if not ipaddress.ip_address(domain.strip("[]")).is_loopback:
        return ""
    return f"{request.scheme}://localhost{':' + port if port else ''}{request.get_full_path()}"


@register.simple_tag(takes_context=True)
def passkey_host_url(context) -> str | None:
    """`{% passkey_host_url as url %}`: passkey_url_by_name for this page's request (None: passkeys work)."""
    request = context.get("request")
    return passkey_url_by_name(request) if request is not None else None
