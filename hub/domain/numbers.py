"""VAT and EORI numbers: formats per country, check digits, the same-company rule.

Number checks return a problem sentence, '' when the number is fine. A VAT number starts with
its country's code. EU member states (and ``XI``, Northern Ireland) have their exact formats,
with check digits for BE (mod 97), DE (ISO 7064 mod 11,10), FR (the key of the SIREN) and NL
(mod 11, or mod 97 for the 2020 sole-trader numbers). Frequent non-EU partners have their
formats too: GB, CH (UID ``CHE``), NO, IS, LI, TR, US (EIN), CN, SG, IN... Any other ISO 3166
country is accepted with a general form (4 to 15 letters and digits): the hub's team checks
those by hand when approving.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from hub.domain.billing import EU_MEMBER_STATES

_EU_FORMATS: Mapping[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}", "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"\d{9}", "EL": r"\d{9}",
    "ES": r"(?!\d{9})[A-Z0-9]\d{7}[A-Z0-9]", "FI": r"\d{8}", "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}", "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}", "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01", "SI": r"[1-9]\d{7}", "SK": r"[1-9]\d{9}",
    "XI": r"\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2}",
}  # fmt: skip
"""VAT number after the country prefix, per EU member state (Greece: ``EL``) and ``XI``."""

_OTHER_FORMATS: Mapping[str, str] = {
    "GB": r"\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2}", "CH": r"E\d{9}(MWST|TVA|IVA)?",
    "NO": r"\d{9}(MVA)?", "IS": r"\d{5,6}", "LI": r"\d{5}", "TR": r"\d{10}",
    "US": r"\d{9}", "CN": r"[0-9A-Z]{18}", "SG": r"[0-9A-Z]{9,10}", "IN": r"\d{2}[A-Z0-9]{13}",
    "RS": r"\d{9}", "UA": r"\d{10,12}", "MA": r"\d{8}", "AE": r"\d{15}", "JP": r"T?\d{13}",
}  # fmt: skip
"""VAT (or tax id) after the country code for frequent non-EU partners."""

_ISO_COUNTRIES = frozenset(
    " ".join(
        (
            "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE",
            "BF BG BH BI BJ BL BM BN BO BQ",
            "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR",
            "CU CV CW CX CY CZ DE DJ DK DM",
            "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF",
            "GG GH GI GL GM GN GP GQ GR GS",
            "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT",
            "JE JM JO JP KE KG KH KI KM KN",
            "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME",
            "MF MG MH MK ML MM MN MO MP MQ",
            "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU",
            "NZ OM PA PE PF PG PH PK PL PM",
            "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI",
            "SJ SK SL SM SN SO SR SS ST SV",
            "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA",
            "UG UM US UY UZ VA VC VE VG VI",
            "VN VU WF WS YE YT ZA ZM ZW",
        )
    ).split()
)
"""ISO 3166-1 alpha-2 codes: a VAT number of any other country has the general form."""

_GENERAL = r"[A-Z0-9]{4,15}"


def normalise(number: str) -> str:
    """Uppercase, without spaces, dots and dashes; an old 9-digit Belgian number gets its 0."""
    compact = re.sub(r"[\s.\-]", "", number).upper()
    return f"BE0{compact[2:]}" if re.fullmatch(r"BE\d{9}", compact) else compact


def _format_of(prefix: str) -> str | None:
    """The VAT format after `prefix`; None when `prefix` is no country (or EU's ``GR``)."""
    known = _EU_FORMATS.get(prefix) or _OTHER_FORMATS.get(prefix)
    if known is not None:
        return known
    return _GENERAL if prefix in _ISO_COUNTRIES and prefix != "GR" else None


def country_of(vat: str) -> str:
    """The ISO country of a VAT number's prefix (``EL`` → ``GR``; ``XI`` stays); '' if none."""
    prefix = normalise(vat)[:2]
    return {"EL": "GR"}.get(prefix, prefix) if _format_of(prefix) else ""


def vat_problem(vat: str) -> str:
    """What is wrong with a VAT number's format or check digits; '' when it is valid."""
    number = normalise(vat)
    prefix, rest = number[:2], number[2:]
    pattern = _format_of(prefix)
    if pattern is None:
        hint = " (Greece: EL)" if prefix == "GR" else ""
        return f"VAT number {vat!r} does not start with a country code (BE, NL, GB, CH, ...){hint}"
    if not re.fullmatch(pattern, rest):
        return f"VAT number {vat!r} does not have the format of {prefix}"
    check = _VAT_CHECKS.get(prefix)
    if check is not None and not check(rest):
        return f"VAT number {vat!r}: the check digits do not match"
    return ""


def is_eu(vat: str) -> bool:
    """True for a VAT number of an EU member state (or Northern Ireland, ``XI``)."""
    return normalise(vat)[:2] in _EU_FORMATS


def _be_check(n: str) -> bool:
    return 97 - int(n[:8]) % 97 == int(n[8:])


def _de_check(n: str) -> bool:
    product = 10
    for digit in n[:8]:
        product = ((int(digit) + product) % 10 or 10) * 2 % 11
    return (11 - product) % 10 == int(n[8])


def _fr_check(n: str) -> bool:
    return not n[:2].isdigit() or int(n[:2]) == (12 + 3 * (int(n[2:]) % 97)) % 97


def _nl_check(n: str) -> bool:
    weighted = sum((9 - i) * int(d) for i, d in enumerate(n[:8])) - int(n[8])
    as_digits = "".join(str(int(c, 36)) for c in "NL" + n)
    return weighted % 11 == 0 or int(as_digits) % 97 == 1


_VAT_CHECKS: Mapping[str, Callable[[str], bool]] = {
    "BE": _be_check,
    "DE": _de_check,
    "FR": _fr_check,
    "NL": _nl_check,
}

EORI_COUNTRIES = EU_MEMBER_STATES | {"XI", "GB"}


def eori_problem(eori: str) -> str:
    """What is wrong with an EORI number; '' when it is valid.

    An EORI is the issuing country's code and up to 15 letters or digits; a Belgian EORI is
    ``BE`` followed by the company's 10-digit VAT number (check digits included).
    """
    number = normalise(eori)
    match = re.fullmatch(r"([A-Z]{2})([A-Z0-9]{1,15})", number)
    if match is None:
        return f"EORI {eori!r} is not a country code and up to 15 letters or digits"
    if match[1] not in EORI_COUNTRIES:
        return f"EORI {eori!r}: {match[1]} does not issue EORI numbers"
    if match[1] == "BE" and vat_problem(number):
        return f"EORI {eori!r}: a Belgian EORI is BE and the 10-digit VAT number"
    return ""


def same_company(a_vat: str, a_eori: str, b_vat: str, b_eori: str) -> bool:
    """The registration dedup rule: the same VAT and the same EORI number (normalised)."""
    same_numbers = (normalise(a_vat), normalise(a_eori)) == (normalise(b_vat), normalise(b_eori))
    return same_numbers and bool(normalise(a_vat) or normalise(a_eori))
