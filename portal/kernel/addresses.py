"""Whether a text is an e-mail address that a mail server would take: the one rule the people import,
the person form and the mailer share, so that an address the portal accepts can always be written in
an e-mail's header."""
from email.errors import HeaderParseError
from email.headerregistry import Address

MAX_LENGTH = 254


def is_address(text: str) -> bool:
    """A single mailbox, user@domain.tld, printable, without spaces, that the standard library's
    header parser reads back as the same mailbox."""
    if not text or len(text) > MAX_LENGTH or text.count("@") != 1:
        return False
    if any(not ch.isprintable() or ch.isspace() for ch in text):
        return False
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, TypeError, HeaderParseError):  # the parser's ways of saying no
        return False
    domain = parsed.domain
    return bool(parsed.username) and "." in domain and not domain.startswith(".") and ".." not in domain \
        and not domain.endswith(".")
