"""Role names as the rules use them (the partner registry stores the same strings)."""

SHIP_AGENT = "ship_agent"
RELEASE_PARTY = "release_party"
TRANSPORT_OPERATOR = "transport_operator"
TERMINAL_OPERATOR = "terminal_operator"
CUSTOMS = "customs"
AUTHORITY = "authority"
RELEASE_PLATFORM = "release_platform"

ALL_ROLES = (
    SHIP_AGENT,
    RELEASE_PARTY,
    TRANSPORT_OPERATOR,
    TERMINAL_OPERATOR,
    CUSTOMS,
    AUTHORITY,
    RELEASE_PLATFORM,
)
