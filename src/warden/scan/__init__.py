"""Batch rescans of stored content under a policy version: one small engine interface, two engines.

`ScanJob` says what to scan (the store, the packs, the detectors); an engine (`warden.scan.engine`)
runs it: `local` in this process, batch after batch, and `ray` on Ray Data (`warden.scan.ray_engine`:
the items read from the store in batches with `read_sql`, the detectors and the policy in a pool of
actors, one per worker). Both write each decision back idempotently (`warden.scan.store`): a
decision's id is derived from the content and the policy revision, and an id already stored is
skipped, so a rerun after a crash writes every decision exactly once.
"""
