"""The portal's mails in the recipient's language (Dutch, English, French, German)."""

from __future__ import annotations

from hub.service_layer.identity_ports import Mail

_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "invitation": {
        "nl": (
            "Activeer uw account op de release hub",
            "U bent uitgenodigd op het portaal van de release hub voor {company}.\n"
            "Kies hier uw gebruikersnaam en wachtwoord ({hours} uur geldig, één keer):\n{link}\n",
        ),
        "en": (
            "Activate your release hub account",
            "You are invited to the release hub portal for {company}.\n"
            "Choose your user name and password here (valid {hours} hours, once):\n{link}\n",
        ),
        "fr": (
            "Activez votre compte release hub",
            "Vous êtes invité sur le portail release hub pour {company}.\n"
            "Choisissez ici votre nom d'utilisateur et mot de passe (valable {hours} heures, "
            "une fois) :\n{link}\n",
        ),
        "de": (
            "Aktivieren Sie Ihr Release-Hub-Konto",
            "Sie sind zum Release-Hub-Portal für {company} eingeladen.\n"
            "Wählen Sie hier Benutzername und Passwort ({hours} Stunden gültig, einmal):\n{link}\n",
        ),
    },
    "code": {
        "nl": ("Uw aanmeldcode", "Uw aanmeldcode is {code}\nGeldig {minutes} minuten, één keer.\n"),
        "en": (
            "Your login code",
            "Your login code is {code}\nValid for {minutes} minutes, once.\n",
        ),
        "fr": (
            "Votre code de connexion",
            "Votre code de connexion est {code}\nValable {minutes} minutes, une fois.\n",
        ),
        "de": (
            "Ihr Anmeldecode",
            "Ihr Anmeldecode lautet {code}\n{minutes} Minuten gültig, einmal.\n",
        ),
    },
    "denied": {
        "nl": ("Registratie geweigerd", "De registratie van {company} is geweigerd: {reason}\n"),
        "en": ("Registration denied", "The registration of {company} was denied: {reason}\n"),
        "fr": ("Inscription refusée", "L'inscription de {company} a été refusée : {reason}\n"),
        "de": (
            "Registrierung abgelehnt",
            "Die Registrierung von {company} wurde abgelehnt: {reason}\n",
        ),
    },
}


def compose(kind: str, language: str, to: str, **values: object) -> Mail:
    """The mail `kind` to `to`, in `language` (English when there is no such language)."""
    texts = _TEXTS[kind]
    subject, body = texts.get(language, texts["en"])
    return Mail(to, subject, body.format(**values))
