"""Typed errors carrying their HTTP status; one handler renders them as RFC 9457 problem details."""

from dataclasses import dataclass
from typing import Any, ClassVar

PROBLEM_TYPE_BASE = "urn:nld:warme-doorverwijzing:probleem:"


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a message: where (JSON Pointer or XPath), what, and a stable code."""

    location: str
    detail: str
    code: str | None = None
    xml: bool = False

    def as_problem_item(self) -> dict[str, str]:
        item = {"detail": self.detail, ("xpath" if self.xml else "pointer"): self.location}
        if self.code:
            item["code"] = self.code
        return item


class ProblemError(Exception):
    """Base of every error a client may see. Subclasses fix status, type and title."""

    status: int = 500
    slug: ClassVar[str] = "interne-fout"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        violations: list[Violation] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.status = status or type(self).status
        self.detail = detail
        self.violations = violations or []
        self.extra = extra or {}
        self.headers = headers or {}

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_TYPE_BASE + cls.slug

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if instance:
            body["instance"] = instance
        if self.violations:
            body["errors"] = [v.as_problem_item() for v in self.violations]
        body.update(self.extra)
        return body


class InvalidMessage(ProblemError):
    status = 400
    slug = "ongeldig-bericht"
    title = "The message is not valid"


class Unauthenticated(ProblemError):
    status = 401
    slug = "niet-geauthenticeerd"
    title = "A valid API key is required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="wdv"'})


class Forbidden(ProblemError):
    status = 403
    slug = "niet-toegestaan"
    title = "This organisation may not do this"


class NotFound(ProblemError):
    status = 404
    slug = "niet-gevonden"
    title = "Not found"


class MethodNotAllowed(ProblemError):
    status = 405
    slug = "methode-niet-toegestaan"
    title = "Method not allowed"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class DuplicateBerichtId(Conflict):
    slug = "bericht-id-hergebruikt"
    title = "This berichtId was already used for a different message"


class DuplicateReferral(Conflict):
    slug = "dubbele-doorverwijzing"
    title = "An open referral with this referentie already exists"


class PayloadTooLarge(ProblemError):
    status = 413
    slug = "bericht-te-groot"
    title = "The message is too large"


class UnsupportedMediaType(ProblemError):
    status = 415
    slug = "mediatype-niet-ondersteund"
    title = "Unsupported media type"


class NotRoutable(ProblemError):
    status = 422
    slug = "postcode-onbekend"
    title = "The address cannot be routed to a gemeente"


class GemeenteNotParticipating(ProblemError):
    status = 422
    slug = "gemeente-neemt-niet-deel"
    title = "The gemeente of this address does not take part"


class TransitionNotAllowed(Conflict):
    slug = "statusovergang-niet-toegestaan"
    title = "This status change is not allowed from the current status"


class ExtensionPending(Conflict):
    slug = "verlengingsverzoek-loopt"
    title = "An extension request is already waiting for an answer"


class RequestTimeout(ProblemError):
    status = 408
    slug = "verzoek-te-traag"
    title = "The request body did not arrive in time"

    def __init__(self, detail: str | None = None) -> None:
        # the rest of the body may still be on its way: this connection is not used again
        super().__init__(detail, headers={"Connection": "close"})


class HeadersTooLarge(ProblemError):
    status = 431
    slug = "headers-te-groot"
    title = "The request headers are too large"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Connection": "close"})


class TooManyRequests(ProblemError):
    status = 429
    slug = "te-veel-verzoeken"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ProblemError):
    status = 503
    slug = "tijdelijk-niet-beschikbaar"
    title = "The service is busy; try again shortly"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
