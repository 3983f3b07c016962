"""`warden cases show` as plain text: the same `CaseDetail` the API returns, laid out for a terminal."""

from __future__ import annotations

from rich.markup import escape

from warden.enforce.casedetail import CaseDetail


def render_case(found: CaseDetail) -> str:
    v, c = found.view, found.view.case
    lines = [f"[bold]case {c.id}[/bold]  {c.kind} · {c.severity} · priority {c.priority:.0f} · {c.status}"
             + (f" by {c.claimed_by}" if c.claimed_by else "")
             + (f" · {c.outcome} by {c.decided_by}" if c.outcome else ""),
             f"subject {c.subject_type}:{c.subject_id} · rules {', '.join(c.rule_ids) or '—'}"]
    if v.content is not None:
        if v.content.sealed:
            lines.append(f"content {v.content.id}: [sealed evidence, not shown] sha256 {v.content.sha256} · "
                         f"{v.content.content_type} · {v.content.created_at:%Y-%m-%d %H:%M}")
        else:
            more = " …" if v.content.truncated else ""
            lines.append(f"content {v.content.id} ({v.content.content_type}"
                         f"{', removed' if v.content.removed else ''}): {escape(v.content.excerpt or '')}{more}")
    if v.decision is not None:
        lines.append(f"decision {v.decision.id}: {v.decision.verdict} under {v.decision.policy_revision}")
    lines.append(f"reports ({len(v.reports)}):")
    lines += [f"  {r.id} {r.category or '—'}{' (trusted flagger)' if r.trusted_flagger else ''}: {escape(r.reason)}"
              for r in v.reports] or ["  none"]
    if v.appeal is not None:
        lines.append(f"appeal {v.appeal.id} on {v.appeal.action_id}: {escape(v.appeal.statement)}")
    if v.account is not None:
        a = v.account
        lines.append(f"account {a.id} ({a.kind}): {a.standing.status}, {a.standing.strike_points:g} active strike "
                     "points")
        lines += [f"  strike {s.rule_id} {s.severity} {s.weight:g}"
                  + (" revoked" if s.revoked_at else f" until {s.expires_at:%Y-%m-%d}") for s in a.strikes]
        lines += [f"  action {x.id} {x.kind} {x.status} ({', '.join(x.rule_ids)})" for x in a.actions]
        lines += [f"  case {x.id} {x.kind} {x.status} {x.outcome or ''}".rstrip() for x in a.cases if x.id != c.id]
    if found.choices is not None:
        ch = found.choices
        opts = ", ".join(f"{x.value}{' (default)' if x is ch.default else ''}" for x in ch.allowed) or "none"
        lines.append(f"actions allowed for {', '.join(ch.rule_ids)}: {opts}")
    return "\n".join(lines)
