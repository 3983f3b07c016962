"""Recognisers: real-format positives and near-miss negatives, with spans."""

from __future__ import annotations

import pytest

from warden.detect.recognisers import RecogniserDetector, cards, find_all, govids, profanity, secrets


def kinds(text: str) -> set[str]:
    return {f.kind for f in find_all(text)}


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4111 1111 1111 1111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("3782-822463-10005", "amex"),
        ("6011111111111117", "discover"),
        ("3530111333300000", "jcb"),
    ],
)
def test_cards_positive(number: str, brand: str) -> None:
    text = f"charge it to {number} please"
    [f] = cards.find(text)
    assert f.kind == "credit_card" and brand in f.detail
    assert text[f.start : f.end] == number


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # Luhn fails
        "order 1234567890123456",  # no issuer prefix, Luhn fails
        "0000 0000 0000 0000",
        "tracking 9400-1000 0000 0000 0000",  # mixed separators
        "4111111111111111111111",  # too long
    ],
)
def test_cards_near_miss(text: str) -> None:
    assert cards.find(text) == []


def test_luhn() -> None:
    assert cards.luhn_valid("79927398713")
    assert not cards.luhn_valid("79927398710")


@pytest.mark.parametrize("text", ["SSN 536-90-4399", "social security number: 536904399", "id 536 90 4399"])
def test_ssn_positive(text: str) -> None:
    [f] = govids.find_ssn(text)
    assert f.kind == "us_ssn"


@pytest.mark.parametrize(
    "text",
    [
        "SSN 000-12-3456",
        "SSN 666-12-3456",
        "SSN 912-34-5678",  # 9xx is never issued (ITIN range)
        "SSN 536-00-4399",
        "SSN 536-90-0000",
        "SSN 078-05-1120",  # the Woolworth wallet card
        "call 415-555-2671",  # phone shape
        "ref 536904399",  # bare digits with no SSN context
        "536-90-4399-12",
    ],
)
def test_ssn_near_miss(text: str) -> None:
    assert govids.find_ssn(text) == []


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606"])
def test_iban_positive(iban: str) -> None:
    text = f"pay to {iban} today"
    [f] = govids.find_iban(text)
    assert text[f.start : f.end] == iban


@pytest.mark.parametrize("text", ["GB82 WEST 1234 5698 7654 33", "DE8937040044053201300", "XX00 1234 5678 9012"])
def test_iban_near_miss(text: str) -> None:
    assert govids.find_iban(text) == []


def test_nino() -> None:
    assert [f.kind for f in govids.find_nino("NI number AB 12 34 56 C")] == ["uk_nino"]
    assert govids.find_nino("NI number QQ123456C") == []  # Q is never a first letter
    assert govids.find_nino("NI number BG123456A") == []  # reserved prefix
    assert govids.find_nino("NI number AB123456E") == []  # suffix is A-D


SECRETS = {
    "openai_key": "sk-proj-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5m",
    "aws_access_key": "AKIAIOSFODNN7EXAMPLE",
    "github_token": "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx",
    "slack_token": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "stripe_key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "google_api_key": "AIza" + "SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    "private_key": "-----BEGIN RSA PRIVATE KEY-----",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
}


@pytest.mark.parametrize(("kind", "token"), list(SECRETS.items()))
def test_secrets_positive(kind: str, token: str) -> None:
    text = f"here you go: {token}\nthanks"
    found = [f for f in secrets.find(text) if f.kind == kind]
    assert found, kind
    assert text[found[0].start : found[0].end] == token


def test_aws_secret_and_generic_tokens() -> None:
    found = secrets.find('aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"')
    assert [f.kind for f in found] == ["aws_secret_key"]
    found = secrets.find("export API_KEY=Zx81Qm2LpR7vT0nW4yK9bC6dF3gH5jS1")
    assert [f.kind for f in found] == ["generic_secret"]


@pytest.mark.parametrize(
    "text",
    [
        "pip install sk-learn is wrong, it is scikit-learn",
        "ghp_short is not a token",
        "AKIA1234 is too short",
        "the header starts with eyJhbGciOi but that is all",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",  # hex: one case, no entropy signal
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "token = the_quick_brown_fox_jumps_over",  # long but not random
        "uuid 123e4567-e89b-12d3-a456-426614174000",
    ],
)
def test_secrets_near_miss(text: str) -> None:
    assert secrets.find(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("my password is hunter22", "hunter22"), ("wifi password: Tr0ub4dor&3", "Tr0ub4dor&3"), ("pwd=s3cr3t!!", "s3cr3t!!")],
)
def test_password_shared(text: str, value: str) -> None:
    [f] = [f for f in find_all(text) if f.kind == "password_shared"]
    assert text[f.start : f.end] == value


@pytest.mark.parametrize(
    "text", ["Please send me your password to verify the account", "what's your bank PIN?", "Reply with your login credentials"]
)
def test_password_solicited(text: str) -> None:
    assert "password_solicited" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "your password is incorrect",
        "How do I reset my password?",
        "A password is required to continue",
        "Never share your password with anyone",
        "the password field is empty",
    ],
)
def test_password_near_miss(text: str) -> None:
    assert not kinds(text) & {"password_shared", "password_solicited"}


def test_emails_and_phones() -> None:
    text = "Mail jane.doe+news@example.co.uk or call +44 20 7946 0958 / (415) 555-2671."
    found = find_all(text)
    spans = {f.kind: [text[f.start : f.end] for f in found if f.kind == f.kind] for f in found}
    assert "jane.doe+news@example.co.uk" in spans["email"]
    assert {text[f.start : f.end] for f in found if f.kind == "phone_number"} == {"+44 20 7946 0958", "(415) 555-2671"}


@pytest.mark.parametrize(
    "text",
    ["ping @support on slack", "user@localhost", "released 2024-01-15", "version 1.2.3.4", "ISBN 978-3-16-148410-0"],
)
def test_contact_near_miss(text: str) -> None:
    assert not kinds(text) & {"email", "phone_number"}


@pytest.mark.parametrize("name", ["FuckBot 3000", "sh1t_gpt", "f*ck this", "MotherfuckerGPT", "B1tchAssistant"])
def test_profanity_in_names(name: str) -> None:
    assert [f.kind for f in profanity.find(name)] == ["profanity"]


@pytest.mark.parametrize(
    "name", ["Scunthorpe United Helper", "Classic Cocktail Mixer", "Assassin's Creed Guide", "Dickens Reader", "magna cum laude"]
)
def test_profanity_near_miss(name: str) -> None:
    assert profanity.find(name) == []


def test_detector_signals_carry_spans() -> None:
    [signals] = RecogniserDetector().detect(["card 4111 1111 1111 1111, mail a@example.com"])
    by_cat = {s.category: s for s in signals}
    assert set(by_cat) == {"secrets", "pii"}
    assert by_cat["secrets"].evidence[0].start == 5
    assert by_cat["secrets"].detector == "recognisers@1"


def test_detector_rejects_unknown_recogniser() -> None:
    with pytest.raises(ValueError, match="unknown recognisers"):
        RecogniserDetector(only=["nope"])
