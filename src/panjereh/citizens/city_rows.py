"""Citizens' one-time sign-in codes are the old deployment's running state: never moved to another."""

RULES = {"OneTimeCode": lambda city_id, rows: None}
