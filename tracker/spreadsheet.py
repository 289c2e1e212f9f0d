"""CSV cells that a spreadsheet would run as a formula are defused (OWASP "CSV
injection"): a text cell starting with = + - @, a tab or a carriage return gets a
leading apostrophe, which spreadsheets show as text. Numbers are left alone, so a
negative number stays a number."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
