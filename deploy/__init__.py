"""The hosted set-up in one command: `python -m deploy.up` (see docs/deploy.md)."""
