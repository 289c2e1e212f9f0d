"""Volumes and weights in the user's units. Everything is stored metric (ml, kg);
pages show and accept US customary units when the profile says so."""

from decimal import ROUND_HALF_UP, Decimal

ML_PER_US_FL_OZ = Decimal("29.5735295625")  # 1 US fl oz = 29.5735295625 ml exactly
KG_PER_LB = Decimal("0.45359237")  # exact by definition


def is_us(user) -> bool:
    return getattr(user, "units", "metric") == "us"


def volume_unit(user) -> str:
    return "fl oz" if is_us(user) else "ml"


def ml_to_display(ml: int | float | Decimal | None, user) -> Decimal | None:
    """A volume in ml as a number in the user's units: whole ml, or fl oz to 0.1."""
    return _ml_to_display(ml, is_us(user))


def _ml_to_display(ml, us: bool) -> Decimal | None:
    if ml is None:
        return None
    if us:
        return (Decimal(ml) / ML_PER_US_FL_OZ).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Decimal(ml).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def display_to_ml(amount: Decimal | int | float, user) -> int:
    amount = Decimal(str(amount))
    ml = amount * ML_PER_US_FL_OZ if is_us(user) else amount
    return int(ml.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_volume(ml, user) -> str:
    us = is_us(user)  # once: Today formats a couple of dozen volumes
    value = _ml_to_display(ml, us)
    if value is None:
        return ""
    return f"{value:,.1f}".rstrip("0").rstrip(".") + " fl oz" if us else f"{value:,.0f} ml"


def weight_unit(user) -> str:
    return "lb" if is_us(user) else "kg"


def kg_to_display(kg, user) -> Decimal | None:
    if kg is None:
        return None
    if is_us(user):
        return (Decimal(kg) / KG_PER_LB).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Decimal(kg).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def display_to_kg(value, user) -> Decimal | None:
    if value is None:
        return None
    value = Decimal(str(value))
    kg = value * KG_PER_LB if is_us(user) else value
    return kg.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
