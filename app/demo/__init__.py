"""`flask demo-data`: the demo networks, and the same generator at benchmark scale.

catalogue/  what the networks are made of (data only: specialties, reasons, names)
cast.py     members, their users and whom they like to refer to
timeline.py a referral's steps through the state machine, as offsets from its send
clock.py    those offsets as times people keep (working hours, morning appointments)
clients.py, referrals.py  rows for clients, referrals and events, in batches
writer.py   COPY (PostgreSQL) or executemany, explicit ids, index rebuild for big loads
loader.py   the order of it all, in the caller's transaction; cli.py commits
"""
