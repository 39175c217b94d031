"""What the audit log's machine codes read as on a page: every action and every detail field has a label.

The log stores short codes (``factor_override_added``, ``unit_id``) so it can be filtered and kept across
languages; people read the labels. tests/test_audit_labels.py collects the actions and fields from the code
and fails when one has no label here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from marketplace.i18n import lazy_gettext as _l

ACTION_LABELS = {
    "accessibility_statement_changed": _l("Accessibility statement changed"),
    "api_token_created": _l("API key created"),
    "api_token_revoked": _l("API key revoked"),
    "erasure_recorded": _l("Data erasure recorded"),
    "factor_override_added": _l("Climate figure overridden"),
    "fleet_details_changed": _l("Purchase date or user group changed"),
    "identity_provider_added": _l("Work sign-in set up"),
    "identity_provider_changed": _l("Work sign-in changed"),
    "identity_provider_removed": _l("Work sign-in removed"),
    "inventory_moved": _l("Moved in the inventory"),
    "inventory_imported": _l("Inventory imported from a spreadsheet"),
    "inventory_offered": _l("Offered from the inventory as surplus"),
    "inventory_received": _l("Received into the inventory"),
    "inventory_registered": _l("Registered in the inventory"),
    "inventory_split": _l("Part of an inventory row split off"),
    "inventory_status_changed": _l("Inventory status changed"),
    "invitation_accepted": _l("Invitation accepted"),
    "invitation_resent": _l("Invitation sent again"),
    "invitation_revoked": _l("Invitation withdrawn"),
    "invitation_sent": _l("Invitation sent"),
    "item_created": _l("Item listed"),
    "item_deleted": _l("Draft deleted"),
    "item_expired": _l("Listing expired"),
    "item_moved": _l("Item moved"),
    "item_published": _l("Listing published"),
    "item_repair_recorded": _l("Repair recorded"),
    "item_shared_with_network": _l("Listing shared with the network early"),
    "item_taken_into_store": _l("Item taken into a store"),
    "item_updated": _l("Listing changed"),
    "item_withdrawn": _l("Listing withdrawn"),
    "item_written_off": _l("Item written off"),
    "items_imported": _l("Items imported"),
    "listing_policy_changed": _l("Listing rules changed"),
    "location_archived": _l("Pickup location or store archived"),
    "location_changed": _l("Pickup location or store changed"),
    "location_created": _l("Pickup location or store created"),
    "location_restored": _l("Pickup location or store taken back into use"),
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "logout": _l("Signed out"),
    "membership_changed": _l("Role or unit changed"),
    "municipality_moved": _l("Municipality moved to another network"),
    "need_approved": _l("Buying new approved"),
    "need_outcome_recorded": _l("Outcome of a need recorded"),
    "need_policy_changed": _l("Rules for needs changed"),
    "need_refused": _l("Buying new refused"),
    "need_registered": _l("Need registered"),
    "network_created": _l("Network created"),
    "network_member_added": _l("Member added to the network"),
    "network_member_created": _l("New member of the network"),
    "network_member_removed": _l("Member removed from the network"),
    "network_policy_changed": _l("Network rules changed"),
    "network_renamed": _l("Network renamed"),
    "loan_partly_returned": _l("Part of the loan returned"),
    "loan_renewal_asked": _l("Loan renewal asked for"),
    "loan_renewal_declined": _l("Loan renewal declined"),
    "loan_renewed": _l("Loan renewed"),
    "loan_returned": _l("Loan returned"),
    "loan_started": _l("Loan started"),
    "notice_answered": _l("Wanted notice answered"),
    "notice_expired": _l("Wanted notice expired"),
    "notice_met": _l("Wanted notice met"),
    "notice_posted": _l("Wanted notice posted"),
    "notice_withdrawn": _l("Wanted notice withdrawn"),
    "password_changed": _l("Password changed"),
    "project_completed": _l("Building project completed"),
    "project_item_placed": _l("Own inventory moved into a building project"),
    "project_item_received": _l("Received for a building project"),
    "project_item_reserved": _l("Reserved for a building project"),
    "project_need_added": _l("Need added to a building project"),
    "project_started": _l("Building project started"),
    "password_reset": _l("Password reset"),
    "password_reset_requested": _l("Password reset requested"),
    "pickup_changed": _l("New pickup time proposed instead of the agreed one"),
    "pickup_confirmed": _l("Pickup time agreed"),
    "pickup_proposed": _l("Pickup time proposed"),
    "pickup_wish_accepted": _l("Wished pickup time accepted"),
    "reservation_approved": _l("Reservation approved"),
    "reservation_cancelled": _l("Reservation cancelled"),
    "reservation_collected": _l("Hand-over recorded"),
    "reservation_expired": _l("Reservation expired"),
    "reservation_picked": _l("Reservation picked and set aside"),
    "reservation_unpicked": _l("Picked mark removed from a reservation"),
    "reservation_policy_changed": _l("Reservation rules changed"),
    "reservation_rejected": _l("Reservation declined"),
    "reservation_requested": _l("Reservation requested"),
    "reuse_reversed": _l("Hand-over reversed"),
    "sharing_policy_changed": _l("Sharing rules changed"),
    "transport_cancelled": _l("Transport cancelled"),
    "transport_delivered": _l("Transport delivered"),
    "transport_picked_up": _l("Transport picked up"),
    "transport_requested": _l("Transport requested"),
    "transport_scheduled": _l("Transport planned"),
    "unit_archived": _l("Unit archived"),
    "unit_created": _l("Unit created"),
    "unit_details_changed": _l("Unit's address, opening hours or contact changed"),
    "unit_renamed": _l("Unit renamed"),
    "unit_unarchived": _l("Unit taken back into use"),
    "units_merged": _l("Units merged"),
    "user_activated": _l("User activated"),
    "user_created_by_sign_in": _l("User created at first work sign-in"),
    "user_deactivated": _l("User deactivated"),
    "user_erased": _l("User erased"),
}

FIELD_LABELS = {
    "access_notes": _l("Access"),
    "by_provider": _l("Role set by work sign-in"),
    "actor": _l("By"),
    "address": _l("Address"),
    "advertise_until": _l("Listed until"),
    "category": _l("Category"),
    "contact": _l("Contact for pickup"),
    "characters": _l("Characters"),
    "condition": _l("Condition"),
    "cost_nok": _l("Cost (NOK)"),
    "count": _l("Number"),
    "date": _l("Date"),
    "disposal_reason": _l("Disposed of by"),
    "domains": _l("Domains"),
    "days": _l("Days"),
    "due_at": _l("Due back"),
    "displacement_unknown": _l("Share assumed to replace a purchase"),
    "effective_from": _l("Applies from"),
    "electrical_safety_note_required": _l("Safety check required for electrical items"),
    "found": _l("Found"),
    "hold_days": _l("Days held for the reserver"),
    "into_unit_id": _l("Merged into"),
    "invitation_id": _l("Invitation"),
    "invitations": _l("Invitations moved"),
    "issuer": _l("Issuer"),
    "item_id": _l("Item"),
    "came_from": _l("Moved from"),
    "moved_to": _l("Moved to"),
    "origin_item_id": _l("Came from item"),
    "part_id": _l("Part split off"),
    "project_id": _l("Building project"),
    "items": _l("Items moved"),
    "kind": _l("Kind"),
    "location_address": _l("Address of the location"),
    "location_from": _l("Stood at"),
    "location_id": _l("Location"),
    "location_to": _l("Now at"),
    "where_within_before": _l("Building, room and pickup text before the move"),
    "memberships": _l("People moved"),
    "municipality_id": _l("Municipality"),
    "name": _l("Name"),
    "name_from": _l("Old name"),
    "name_to": _l("New name"),
    "need_approval_required": _l("Buying new needs approval"),
    "need_id": _l("Need"),
    "need_open_days": _l("Days a need stays open"),
    "network": _l("Network"),
    "network_share_days": _l("Days before the network sees new listings"),
    "note": _l("Note"),
    "notice_id": _l("Wanted notice"),
    "organisation": _l("Organisation"),
    "opening_hours": _l("Opening hours"),
    "outcome": _l("Outcome"),
    "partner_share_days": _l("Days before partners see new listings"),
    "pickup_at": _l("Pickup time"),
    "pickup_grace_days": _l("Days to pick up after the agreed time"),
    "policy_applied": _l("Network rules applied"),
    "prefix": _l("Key begins with"),
    "previous": _l("Before"),
    "published": _l("Published"),
    "purchased_on": _l("Purchase date"),
    "quantity": _l("Quantity"),
    "quantity_back": _l("Returned"),
    "quantity_lost": _l("Lost or damaged"),
    "reason": _l("Reason"),
    "repair_id": _l("Repair"),
    "repaired_on": _l("Date of the repair"),
    "reservation_id": _l("Reservation"),
    "reservations": _l("Reservations moved"),
    "reuse_event_id": _l("Hand-over"),
    "planned_for": _l("Planned for the network on"),
    "reversal_id": _l("Correction"),
    "role": _l("Role"),
    "role_from": _l("Old role"),
    "role_to": _l("New role"),
    "token_id": _l("API key"),
    "transport_request_id": _l("Transport"),
    "unit_address": _l("Address of the unit"),
    "unit_from": _l("Old unit"),
    "unit_id": _l("Unit"),
    "unit_to": _l("New unit"),
    "user_group": _l("User group"),
    "user_id": _l("User"),
    "waitlist_offer_hours": _l("Hours to answer a waitlist offer"),
    "method": _l("How"),
    "provider_id": _l("Work sign-in"),
    "secret_changed": _l("Client secret changed"),
    "status": _l("Status"),
    "status_from": _l("Old status"),
    "status_to": _l("New status"),
}

# Codes stored as detail values, whatever field they are in.
VALUE_LABELS = {
    "member": _l("Member"), "caretaker": _l("Caretaker"), "municipal_admin": _l("Administrator"),
    "store_keeper": _l("Store keeper"), "transport_coordinator": _l("Transport coordinator"),
    "network_admin": _l("Network administrator"), "site_admin": _l("Site administrator"),
    "undo": _l("Hand-over undone"), "correction": _l("Hand-over corrected"),
    "reused": _l("Met by reuse"), "partly_reused": _l("Partly met by reuse"), "bought_new": _l("Bought new"),
    "municipality": _l("Municipality"), "partner": _l("Partner organisation"),
    "pickup": _l("Pickup location"), "store": _l("Reuse store"),
    "recycled": _l("Delivered to recycling"), "scrapped": _l("Scrapped"),
    # An inventory item's statuses
    "in_use": _l("In use"), "for_repair": _l("For repair"), "for_recycling": _l("For recycling"),
    "disposed": _l("Written off"),
    # Who uses an ICT device
    "pupils": _l("Pupils"), "staff": _l("Staff"), "shared": _l("Shared"),
    # How a sign-in went (sso/sign_in.py's reasons; the variable ones say the provider's own words)
    "sso": _l("Work sign-in"), "state": _l("Not started here, or too late"), "no code": _l("Incomplete answer"),
    "signature": _l("Signature does not match"), "token expired": _l("Token expired"),
    "claim iss": _l("Wrong issuer"), "claim aud": _l("Meant for another service"),
    "claim nonce": _l("Not the answer to this sign-in"), "claim azp": _l("Meant for another service"),
    "userinfo sub": _l("Profile of another person"), "no email": _l("No e-mail address"),
    "domain": _l("Domain not allowed"), "organisation": _l("Organisation not served"),
    "deactivated": _l("Deactivated"), "other organisation": _l("Account of another organisation"),
    "no organisation": _l("Administrator without a municipality"), "configuration": _l("Set up wrong"),
    # An item's condition (a loan's return)
    "as_new": _l("As new"), "good": _l("Good"), "worn": _l("Worn"), "needs_repair": _l("Needs repair"),
    # The kinds of unit (a renamed unit's kind)
    "school": _l("School"), "kindergarten": _l("Kindergarten"), "library": _l("Library"), "depot": _l("Depot"),
    "office": _l("Office"), "care": _l("Care and health"), "culture": _l("Culture and sport"), "other": _l("Other"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ")


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def value_text(value: Any) -> str:
    """A detail value as text: yes/no, a dash for nothing, lists joined, known codes by their label."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(each) for each in value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(str(key))} {value_text(each)}" for key, each in value.items())
    label = VALUE_LABELS.get(str(value))
    return str(label) if label is not None else str(value)
