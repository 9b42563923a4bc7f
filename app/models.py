"""All tables, imported in one place for migrations and tests."""

from app.accounts.models import Gebruiker, Inlogpoging, Lidmaatschap, Sessie
from app.db import Base
from app.delivery.models import Abonnement, Bezorging, Bezorgpoging
from app.ops.heartbeat import WorkerHeartbeat
from app.organisations.models import ApiSleutel, Dekking, Organisatie
from app.outbox import Uitgaand
from app.referrals.models import (
    Afwijzing,
    Betalingsherstelmelding,
    Doorverwijzing,
    Gebeurtenis,
    IngrijpendeMaatregel,
    OntvangenBericht,
    Verlengingsverzoek,
    Verwerking,
)
from app.routing.models import Gemeente, Herindeling, Routeringsregel, Routeringstabel

__all__ = [
    "Abonnement",
    "Afwijzing",
    "ApiSleutel",
    "Base",
    "Betalingsherstelmelding",
    "Bezorging",
    "Bezorgpoging",
    "Dekking",
    "Doorverwijzing",
    "Gebeurtenis",
    "Gebruiker",
    "Gemeente",
    "Herindeling",
    "IngrijpendeMaatregel",
    "Inlogpoging",
    "Lidmaatschap",
    "OntvangenBericht",
    "Organisatie",
    "Routeringsregel",
    "Routeringstabel",
    "Sessie",
    "Uitgaand",
    "Verlengingsverzoek",
    "Verwerking",
    "WorkerHeartbeat",
]
