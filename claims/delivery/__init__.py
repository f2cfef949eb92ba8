"""Delivery to people and tools: the outbox (events written in the transaction of the
change), webhooks that deliver it, and reviewers' notifications."""
