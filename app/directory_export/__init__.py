"""The member directory in open standards: Open Referral HSDS 3.0 JSON (hsds.py)."""
