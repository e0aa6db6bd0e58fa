"""Deployment helpers: NATS cluster configuration and the container's pre-start checks."""
