"""Reward programmes, rewards, fraud signals and payouts (issue 15, DESIGN.md "Links, codes
and programmes"). Clinical networks: thanks only, never money or volume."""
