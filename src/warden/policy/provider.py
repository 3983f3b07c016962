"""Which policy a decision runs under: one provider, built once at start-up, cached by revision.

`PolicyProvider.load` discovers the packs (bundled, the settings' policy path,
plugins) and resolves today's policy at once, so a broken pack stops start-up
instead of serving without decisions. `effective(org_id, workspace_id, user_id, on)`
resolves the platform packs in force on a date with the overlays an
`OverlaySource` returns for that organization, workspace and user (the runtime's is
`enforce.overlays.StoredOverlays`: the active stored versions, platform -> operator ->
workspace -> user), and caches each resolution by the revision it names.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from warden.errors import ConfigurationError
from warden.policy.layering import EffectivePolicy
from warden.policy.library import LibraryError, PolicyLibrary
from warden.policy.loader import LoadedOverlay
from warden.policy.source import PolicyFileError

# (org_id, workspace_id, user_id) -> the operator and user overlays that apply, top layer first
OverlaySource = Callable[[str | None, str | None, str | None], Sequence[LoadedOverlay]]


class PolicyLoadError(ConfigurationError, RuntimeError):
    """The packs cannot be loaded or resolved into a policy in force."""


def _no_overlays(_org: str | None, _workspace: str | None, _user: str | None) -> Sequence[LoadedOverlay]:
    return ()


class PolicyProvider:
    def __init__(self, library: PolicyLibrary, overlays: OverlaySource = _no_overlays,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self.library = library
        self.overlays = overlays
        self.today = today
        self._by_key: dict[tuple[tuple[str, ...], tuple[str, ...]], EffectivePolicy] = {}
        self._by_revision: dict[str, EffectivePolicy] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, policy_path: Iterable[Path | str] = (), overlays: OverlaySource = _no_overlays) -> PolicyProvider:
        """Discover the packs and resolve today's policy now; any problem is a `PolicyLoadError`."""
        try:
            provider = cls(PolicyLibrary.discover(policy_path), overlays)
            provider.effective()
        except (PolicyFileError, LibraryError, ValueError, OSError) as exc:
            raise PolicyLoadError(f"the policy cannot load: {exc}") from exc
        return provider

    @classmethod
    def fixed(cls, policy: EffectivePolicy, library: PolicyLibrary | None = None) -> PolicyProvider:
        """A provider that answers one resolved policy for every tenant and date (tests, `--policy` on the
        CLI); named packs still resolve from `library`."""
        return _Fixed(policy, library or PolicyLibrary([]))

    def effective(self, org_id: str | None = None, workspace_id: str | None = None, user_id: str | None = None,
                  on: dt.date | None = None, packs: Sequence[str] | None = None,
                  stack: Sequence[LoadedOverlay] | None = None) -> EffectivePolicy:
        """The policy in force for this tenant on `on` (default today), or under the named `packs`; `stack`
        replaces the overlays the source returns (validating or shadow-evaluating a candidate overlay)."""
        chosen = [self.library.get(ref) for ref in packs] if packs else self.library.in_force(on or self.today())
        if not chosen:
            raise LibraryError(f"no pack is in force on {on or self.today()}")
        layered = list(stack) if stack is not None else list(self.overlays(org_id, workspace_id, user_id))
        key = (tuple(p.revision for p in chosen), tuple(o.revision for o in layered))
        with self._lock:
            found = self._by_key.get(key)
        if found is not None:
            return found
        policy = self.library.effective(on=on, overlays=layered, packs=[p.ref for p in chosen])
        with self._lock:
            policy = self._by_revision.setdefault(policy.revision, policy)
            self._by_key[key] = policy
        return policy

    def by_revision(self, revision: str) -> EffectivePolicy | None:
        """A policy this provider has resolved, by the revision a decision names."""
        with self._lock:
            return self._by_revision.get(revision)

    def __call__(self, org_id: str, workspace_id: str | None = None, user_id: str | None = None) -> EffectivePolicy:
        """The `PolicySource` the enforcement services take: the policy of an organization, workspace and user."""
        return self.effective(org_id or None, workspace_id, user_id)


class _Fixed(PolicyProvider):
    def __init__(self, policy: EffectivePolicy, library: PolicyLibrary) -> None:
        super().__init__(library)
        self.policy = policy
        self._by_revision[policy.revision] = policy

    def effective(self, org_id: str | None = None, workspace_id: str | None = None, user_id: str | None = None,
                  on: dt.date | None = None, packs: Sequence[str] | None = None,
                  stack: Sequence[LoadedOverlay] | None = None) -> EffectivePolicy:
        if packs or stack:
            return super().effective(org_id, workspace_id, user_id, on, packs, stack)
        return self.policy
