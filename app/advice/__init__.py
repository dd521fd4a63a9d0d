"""Advice before referral (the NHS's Advice and Guidance): ask, answer, close, convert."""
