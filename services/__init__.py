"""The danvan services; each owns its data and meets the others only through events and HTTP."""
