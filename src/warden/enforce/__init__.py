"""The enforcement lifecycle: strikes, actions, cases, reports, appeals, notices,
statements of reasons, mandatory reports and the audit log.

Every function that changes state takes the caller's open `Session` and writes
its audit event into it, so the change and its record commit together.
"""
