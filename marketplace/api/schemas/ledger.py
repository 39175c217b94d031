"""The body of a hand-over's reversal (the event it answers is the ledger's, schemas.impact.ReuseEventOut)."""

from __future__ import annotations


from pydantic import ConfigDict

from marketplace.api.schemas.common import Body, text


class ReverseBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "Registrert på feil skole."}]})

    reason: text(2000, min_length=1, description="Why the hand-over is undone or corrected; 400 if missing or "
                                                 "blank.")
