"""The conversation around a referral or an advice request: messages, attachments, unread."""
