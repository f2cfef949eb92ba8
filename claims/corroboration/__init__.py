"""Corroboration: who stands behind a claim and which confirmations are really independent.

Provenance chains, independence of evidence (origins), the suggestions matching and
propagation make, verdict propagation to confirmed matches, and sources' track records.
Reads the models and writes suggestions and outbox events; the workflow builds on it.
"""
