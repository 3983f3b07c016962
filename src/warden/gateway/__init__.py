"""The chat-completions gateway: screen in, forward, screen out, per end user.

An OpenAI-compatible `POST /v1/chat/completions` mounted in `warden serve`: the
caller's request is screened (user and tool messages; the system prompt once per
distinct text) before it is forwarded to the configured upstream
(`WARDEN_UPSTREAM_URL`), and the answer is screened after, in windows when it
streams. The end user named by the request (`safety_identifier`, `user`, or the
`x-warden-end-user` header) is an account of the organization the Warden key
belongs to: its violations go through the enforcement lifecycle
(`warden.enforce.submissions.submit`: strikes, the ladder, cases), and a suspended or
terminated account is refused before anything reaches the upstream.

Modules: `modes` (enforce / advisory / shadow), `chat` (the wire shape: what is
screened, refusals, cut chunks), `guard` (admission and screening, synchronous,
run off the event loop), `streaming` (screening a stream in windows),
`upstream` (the pooled httpx client), `routes` (the shell), `echo` (a scripted
OpenAI-compatible upstream for tests and demos) and `cli` (`warden gateway echo`).
"""
