"""Text repair helpers: script-aware normalisation and the language evidence the repair stage weighs."""
