"""The pipeline behind the API and the beat jobs: ingestion and extraction, the sweeper,
assignment, re-checks and escalation, job leases and heartbeats.

Every job is batched and idempotent: a batch locks its rows with
`select_for_update(skip_locked=True)` (two runs never touch one claim), makes its status
changes through claims.workflow, commits, and moves on. claims/tasks.py wraps them.
"""
