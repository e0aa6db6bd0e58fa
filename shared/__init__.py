"""The small kernel every danvan service stands on.

Event envelope and registry, SQL event store with its transactional outbox, the relay to
JetStream, the consumer runner, settings, logging and the HTTP conventions.
"""
