"""Follow-up: each network's rules, the reminder engine, expiry and the worker's commands."""
