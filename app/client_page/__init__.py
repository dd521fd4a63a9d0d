"""The client's own page of a referral, opened by a signed link without an account."""
