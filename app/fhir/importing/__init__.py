"""FHIR import: an eReferral Bundle (HL7 BSeR style) becomes a referral in `sent` through the
same send service as the form; anything unusable is refused with an OperationOutcome."""
