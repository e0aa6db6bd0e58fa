"""The published event catalogue of each service, one JSON file per service, that consumers
check events against (`shared/contract.py`); written by `python -m tools.contracts`."""
