"""Committed data files of the administrative unit catalogue (generated)."""
