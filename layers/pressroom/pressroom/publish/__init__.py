"""Publishing: the rules (`core`, pure) and the shells that carry them out (Lambda on AWS, batch on disk)."""

from __future__ import annotations

from pressroom.publish.core import ATTENTION, Outcome, Plan, Status, decide
from pressroom.publish.lambda_shell import CONFLICT, Publisher, fan_out_rebuild, listings_for
from pressroom.publish.listings import Affected, Listings, affected_by
from pressroom.publish.services import Services

__all__ = ["ATTENTION", "CONFLICT", "Affected", "Listings", "Outcome", "Plan", "Publisher", "Services", "Status",
           "affected_by", "decide", "fan_out_rebuild", "listings_for"]
