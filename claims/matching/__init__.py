"""Matching: finding the same claim in other articles, and a reviewer's word on a match.

Builds on corroboration (chains, suggestions, propagation); the pipeline and the edges call it.
"""
