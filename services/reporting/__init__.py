"""Reporting service: projections for the periodic conferences (giao ban, sơ kết, tổng kết)."""
