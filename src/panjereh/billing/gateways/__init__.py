"""The bank gateways' own protocols, one adapter each behind :class:`panjereh.billing.psp.Gateway`."""
