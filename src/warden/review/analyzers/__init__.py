"""Analyzers: read a submission and infer context facts or emit signals.

Each analyzer is a function `(submission, fields) -> list[Fact]`, listed in
ANALYZERS. Text patterns that should feed signals (steering, safety
circumvention, identifier solicitation) are a `Detector` instead, so they go
through the same path as every other detector.
"""
