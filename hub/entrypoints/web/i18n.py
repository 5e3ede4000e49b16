"""The portal's words in Dutch, English, French and German; role labels come from the domain.

`translator(language)` gives the templates a `t(key)` function; an unknown language falls back
to English. `role_labels(language)` lists the roles a company may ask for at registration, with
the labels of DESIGN.md ("Identity and registration").
"""

from __future__ import annotations

from collections.abc import Callable

from hub.domain.partners import LANGUAGES, Role
from hub.entrypoints.web.i18n_portal import WORDS as PORTAL_WORDS

DEFAULT = "en"
REGISTRABLE = (Role.SHIP_AGENT, Role.TRANSPORT_OPERATOR, Role.RELEASE_PARTY, Role.TERMINAL_OPERATOR)

_WORDS: dict[str, tuple[str, str, str, str]] = {
    "login": ("Aanmelden", "Log in", "Connexion", "Anmelden"),
    "logout": ("Afmelden", "Log out", "Déconnexion", "Abmelden"),
    "username": ("Gebruikersnaam", "User name", "Nom d'utilisateur", "Benutzername"),
    "password": ("Wachtwoord", "Password", "Mot de passe", "Passwort"),
    "password_again": (
        "Wachtwoord (nogmaals)",
        "Password (again)",
        "Mot de passe (à nouveau)",
        "Passwort (wiederholen)",
    ),
    "code": ("Code", "Code", "Code", "Code"),
    "password_rule": (
        "Minstens 12 tekens, zonder uw gebruikersnaam.",
        "At least 12 characters, without your user name.",
        "Au moins 12 caractères, sans votre nom d'utilisateur.",
        "Mindestens 12 Zeichen, ohne Ihren Benutzernamen.",
    ),
    "code_mailed": (
        "We hebben u een code gemaild (5 minuten geldig).",
        "We mailed you a code (valid for 5 minutes).",
        "Nous vous avons envoyé un code (valable 5 minutes).",
        "Wir haben Ihnen einen Code gesendet (5 Minuten gültig).",
    ),
    "code_app": (
        "Geef de code uit uw authenticator-app.",
        "Enter the code from your authenticator app.",
        "Saisissez le code de votre application d'authentification.",
        "Geben Sie den Code aus Ihrer Authenticator-App ein.",
    ),
    "continue": ("Verder", "Continue", "Continuer", "Weiter"),
    "register": ("Registreren", "Register", "S'inscrire", "Registrieren"),
    "company": ("Bedrijfsnaam", "Company name", "Nom de l'entreprise", "Firmenname"),
    "vat": ("Btw-nummer", "VAT number", "Numéro de TVA", "USt-IdNr."),
    "eori": ("EORI-nummer", "EORI number", "Numéro EORI", "EORI-Nummer"),
    "country": ("Land", "Country", "Pays", "Land"),
    "address": ("Adres", "Address", "Adresse", "Adresse"),
    "billing": ("Facturatieadres", "Billing address", "Adresse de facturation", "Rechnungsadresse"),
    "admin_email": (
        "E-mail van de beheerder",
        "Administrator's e-mail",
        "E-mail de l'administrateur",
        "E-Mail des Administrators",
    ),
    "roles": ("Rollen", "Roles", "Rôles", "Rollen"),
    "language": ("Taal", "Language", "Langue", "Sprache"),
    "registered": (
        "Uw aanvraag is ontvangen; u krijgt een e-mail na goedkeuring.",
        "Your request was received; you will get an e-mail once it is approved.",
        "Votre demande a été reçue ; vous recevrez un e-mail après approbation.",
        "Ihr Antrag ist eingegangen; nach der Genehmigung erhalten Sie eine E-Mail.",
    ),
    "known": (
        "Dit bedrijf is al geregistreerd.",
        "This company is already registered.",
        "Cette entreprise est déjà inscrite.",
        "Dieses Unternehmen ist bereits registriert.",
    ),
    "activate": (
        "Account activeren",
        "Activate your account",
        "Activer le compte",
        "Konto aktivieren",
    ),
    "activated": (
        "Uw account is actief. Meld u nu aan.",
        "Your account is active. Log in now.",
        "Votre compte est actif. Connectez-vous.",
        "Ihr Konto ist aktiv. Melden Sie sich jetzt an.",
    ),
    "account": ("Mijn bedrijf", "My company", "Mon entreprise", "Mein Unternehmen"),
    "users": ("Gebruikers", "Users", "Utilisateurs", "Benutzer"),
    "invite": ("Uitnodigen", "Invite", "Inviter", "Einladen"),
    "email": ("E-mail", "E-mail", "E-mail", "E-Mail"),
    "role": ("Rol", "Role", "Rôle", "Rolle"),
    "remove": ("Verwijderen", "Remove", "Supprimer", "Entfernen"),
    "platforms": ("Vrijgaveplatformen", "Release platforms", "Plateformes", "Freigabeplattformen"),
    "link": ("Koppelen", "Link", "Lier", "Verknüpfen"),
    "unlink": ("Ontkoppelen", "Unlink", "Délier", "Trennen"),
    "linked": ("gekoppeld", "linked", "lié", "verknüpft"),
    "authenticator": (
        "Authenticator-app",
        "Authenticator app",
        "Application d'authentification",
        "Authenticator-App",
    ),
    "totp_setup": (
        "Voeg deze sleutel toe aan uw app en geef de code.",
        "Add this key to your app, then enter its code.",
        "Ajoutez cette clé à votre application, puis saisissez son code.",
        "Fügen Sie diesen Schlüssel Ihrer App hinzu und geben Sie den Code ein.",
    ),
    "totp_on": (
        "Aanmelden met de authenticator-app staat aan.",
        "Logging in with the authenticator app is on.",
        "La connexion avec l'application d'authentification est activée.",
        "Die Anmeldung mit der Authenticator-App ist aktiv.",
    ),
    "status": ("Status", "Status", "Statut", "Status"),
    "error": ("Fout", "Error", "Erreur", "Fehler"),
    "member": ("Gebruiker", "User", "Utilisateur", "Benutzer"),
    "admin": ("Beheerder", "Administrator", "Administrateur", "Administrator"),
    **PORTAL_WORDS,
}


def language_of(value: str | None) -> str:
    """A supported language code, English when `value` is none of them."""
    value = (value or "").lower()[:2]
    return value if value in LANGUAGES else DEFAULT


def translator(language: str) -> Callable[[str], str]:
    """`t(key)` in `language` (the key itself when the word is missing)."""
    index = LANGUAGES.index(language_of(language))
    return lambda key: _WORDS[key][index] if key in _WORDS else key


def role_labels(language: str) -> list[tuple[str, str]]:
    """(role value, label) of the roles a company may register for."""
    return [(r.value, r.label(language_of(language))) for r in REGISTRABLE]
