"""The chat-completions gateway: screen in, forward, screen out, per end user.

OpenAI-compatible `POST /v1/chat/completions` and `POST /v1/responses` mounted in `warden serve`: the
caller's request is screened (user and tool messages; the system prompt once per
distinct text) before it is forwarded to the configured upstream
(`WARDEN_UPSTREAM_URL`), and the answer is screened after, in windows when it
streams. The end user named by the request (`safety_identifier`, `user`, or the
`x-warden-end-user` header) is an account of the organization the Warden key
belongs to: its violations go through the enforcement lifecycle
(`warden.enforce.submissions.submit`: strikes, the ladder, cases), and a suspended or
terminated account is refused before anything reaches the upstream.

Modules: `modes` (enforce / advisory / shadow, per organization and route), `chat`
and `responses` (the wire shapes: what is screened, refusals, cut chunks), `guard`
(admission and screening, synchronous, run off the event loop), `caching` (the end
user's standing and policy between requests), `streaming` (screening a stream in windows),
`upstream` (the pooled httpx client), `routes` (the shell), `echo` (a scripted
OpenAI-compatible upstream for tests and demos) and `cli` (`warden gateway echo`).
"""
