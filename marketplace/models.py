"""Every model, imported in one place so Alembic and the tests see the whole schema."""

from marketplace.accounts.models import LoginSession, Membership, User  # noqa: F401
from marketplace.api.models import ApiToken  # noqa: F401
from marketplace.audit.models import AuditEvent  # noqa: F401
from marketplace.organisations.models import (  # noqa: F401
    Municipality,
    Network,
    Organisation,
    PartnerOrganisation,
    Unit,
)
from marketplace.inventory.models import ItemRepair  # noqa: F401
from marketplace.impact.models import CategoryFactor, FactorOverride, FactorSet, ReuseEvent  # noqa: F401
from marketplace.listings.models import Category, Item, Photo  # noqa: F401
from marketplace.locations.models import Location  # noqa: F401
from marketplace.notifications.models import Notification  # noqa: F401
from marketplace.search.models import SavedSearch, SavedSearchHit  # noqa: F401
from marketplace.reservations.models import Reservation, ReservationMessage, WaitlistEntry  # noqa: F401
from marketplace.site.models import SiteSetting  # noqa: F401
from marketplace.transport.models import TransportRequest  # noqa: F401
from marketplace.wanted.models import Need, WantedAnswer, WantedNotice  # noqa: F401
from marketplace.projects.models import Placement, Project, ProjectNeed  # noqa: F401
from marketplace.sso.models import (  # noqa: F401
    ExternalIdentity, IdentityProvider, ProviderDomain, ProviderSession, ServedMunicipality)
