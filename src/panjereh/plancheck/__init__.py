"""The plan check (issue 31): an architect's drawing checked against the parcel's zoning before anyone reviews it."""
