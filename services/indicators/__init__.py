"""Indicators service: the plan's indicators (chỉ tiêu), "Dân vận khéo" models, unit catalogue."""
