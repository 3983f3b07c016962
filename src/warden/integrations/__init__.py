"""Warden inside other tools: adapters that call the service (`litellm`: a LiteLLM guardrail)."""
