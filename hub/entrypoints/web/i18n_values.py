"""The portal's words for the values it shows: lights' colours, the values that explain a
light (customs and terminal statuses), release and link statuses, why a light subscription
ended and why a container may not leave (nl, en, fr, de).

A value with a detail (``unknown: B/L X not written off``) is translated by its code, the
part before the colon; the detail (document numbers) stays as it is. A value without a
word here is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hub.domain.partners import LANGUAGES
from hub.entrypoints.web.i18n_portal import WORDS

_LIGHT = re.compile(r"(commercial|customs|terminal) light (\w+) \((.*)\)")
"""A gate blocker about a light (`gate._light_blockers`): name, colour, value."""

VALUES: dict[str, tuple[str, str, str, str]] = {
    # colours
    "GREEN": ("groen", "green", "vert", "grün"),
    "ORANGE": ("oranje", "orange", "orange", "orange"),
    "RED": ("rood", "red", "rouge", "rot"),
    "GREY": ("grijs", "grey", "gris", "grau"),
    # release statuses (and the commercial light's values)
    "ok": ("in orde", "ok", "en ordre", "in Ordnung"),
    "released": ("vrijgegeven", "released", "libéré", "freigegeben"),
    "blocked": ("geblokkeerd", "blocked", "bloqué", "gesperrt"),
    "revoked": ("ingetrokken", "revoked", "révoqué", "widerrufen"),
    "deleted": ("verwijderd", "deleted", "supprimé", "gelöscht"),
    "expired": ("vervallen", "expired", "expiré", "abgelaufen"),
    "picked_up": ("afgehaald", "picked up", "enlevé", "abgeholt"),
    # links of the chain
    "pending": ("wacht op aanvaarding", "pending", "en attente", "ausstehend"),
    "accepted": ("aanvaard", "accepted", "accepté", "angenommen"),
    "declined": ("geweigerd", "declined", "refusé", "abgelehnt"),
    # customs
    "selected_for_scan": (
        "geselecteerd voor scan",
        "selected for scan",
        "sélectionné pour scanner",
        "zum Scannen ausgewählt",
    ),
    "fasfc": ("FAVV-controle", "FASFC inspection", "contrôle AFSCA", "FASFC-Kontrolle"),
    "port_equalisation": (
        "havenvereffening",
        "port equalisation",
        "péréquation portuaire",
        "Hafenausgleich",
    ),
    "transhipment": ("overslag", "transhipment", "transbordement", "Umschlag"),
    "documentary_control": (
        "documentcontrole",
        "documentary control",
        "contrôle documentaire",
        "Dokumentenkontrolle",
    ),
    "partially_cleared": (
        "gedeeltelijk ingeklaard",
        "partially cleared",
        "partiellement dédouané",
        "teilweise abgefertigt",
    ),
    "not_cleared": ("niet ingeklaard", "not cleared", "non dédouané", "nicht abgefertigt"),
    "unknown": ("onbekend", "unknown", "inconnu", "unbekannt"),
    # terminal
    "scanning": ("wordt gescand", "scanning", "en cours de scan", "wird gescannt"),
    "discharged": ("gelost", "discharged", "déchargé", "entladen"),
    "not_discharged": ("niet gelost", "not discharged", "non déchargé", "nicht entladen"),
    # why a light subscription ended
    "unsubscribed": ("afgemeld", "unsubscribed", "désabonné", "abgemeldet"),
    "picked up": ("afgehaald", "picked up", "enlevé", "abgeholt"),
    "release revoked": (
        "vrijgave ingetrokken",
        "release revoked",
        "mainlevée révoquée",
        "Freigabe widerrufen",
    ),
    "release deleted": (
        "vrijgave verwijderd",
        "release deleted",
        "mainlevée supprimée",
        "Freigabe gelöscht",
    ),
    # why a container may not leave (gate check)
    "no release": ("geen vrijgave", "no release", "pas de mainlevée", "keine Freigabe"),
    "not accepted by a transport operator": (
        "niet aanvaard door een transporteur",
        "not accepted by a transport operator",
        "pas accepté par un transporteur",
        "von keinem Transportunternehmen angenommen",
    ),
    "no pickup assigned": (
        "geen afhaling toegewezen",
        "no pickup assigned",
        "aucun enlèvement attribué",
        "keine Abholung zugewiesen",
    ),
    "no gate authorisation issued": (
        "geen poorttoelating uitgereikt",
        "no gate authorisation issued",
        "aucune autorisation de sortie émise",
        "keine Torfreigabe erteilt",
    ),
    "this identity is not the assigned pickup": (
        "deze identiteit is niet de toegewezen afhaling",
        "this identity is not the assigned pickup",
        "cette identité n'est pas l'enlèvement attribué",
        "diese Identität ist nicht die zugewiesene Abholung",
    ),
}


def value_translator(language: str) -> Callable[[object], str]:
    """`tv(value)` in `language`: the value's word, its code's word and detail, or as it is."""
    index = LANGUAGES.index(language) if language in LANGUAGES else 1

    def tv(value: object) -> str:
        text = str(value)
        if text in VALUES:
            return VALUES[text][index]
        if light := _LIGHT.fullmatch(text):
            name, colour, why = light.groups()
            return f"{WORDS[name][index]}: {tv(colour)} ({tv(why)})"
        code, colon, detail = text.partition(":")
        return f"{VALUES[code][index]}:{detail}" if colon and code in VALUES else text

    return tv
