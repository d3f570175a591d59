"""Domain errors. The API maps each to one HTTP status in api/errors.py."""


class DomainError(Exception):
    """Base of all domain errors; the message is safe to show to a client."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The request is well-formed but a value is not acceptable."""


class NotFound(DomainError):
    """No such thing, or the caller may not know it exists."""


class Conflict(DomainError):
    """The change clashes with the current state."""


class Forbidden(DomainError):
    """Authenticated, but not allowed."""


class Unauthenticated(DomainError):
    """No valid credentials."""


class Unavailable(DomainError):
    """A dependency (the database) failed; the client may retry."""


def plain_text(**values: str | None) -> None:
    """Refuse (Invalid, naming the field) a value with a control or bidirectional
    formatting character: names and contact details are shown to other people, and an
    invisible override can make one name display as another."""
    from matching.normalise import unsafe_character

    for field, value in values.items():
        if value is not None and (why := unsafe_character(value)) is not None:
            raise Invalid(why, field=field)
