"""Referral links, codes and QR; the public intake; visits, attribution and conversions."""
