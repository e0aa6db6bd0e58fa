"""Dialogue service: direct dialogue between heads and the people (đối thoại trực tiếp)."""
