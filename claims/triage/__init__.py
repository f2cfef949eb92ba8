"""Triage: which claims are worth a reviewer's time (check-worthiness), above matching's embeddings."""
