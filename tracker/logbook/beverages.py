"""Hydration factors and alcohol content of each beverage type.

Hydration factors are the beverage hydration index (BHI) relative to still water,
from Maughan RJ, Watson P, Cordery PA, et al. "A randomized trial to assess the
potential of different beverages to affect hydration status: development of a
beverage hydration index." Am J Clin Nutr 2016;103(3):717-723.
doi:10.3945/ajcn.115.114769. Measured there: oral rehydration solution 1.54, full-fat
milk 1.50, skimmed milk 1.58, orange juice 1.39, sports drink 1.13, and lager (4%),
cola, tea and coffee not different from water (~1.0). We round to one decimal.
Beverages the study did not test are marked as assumptions: soup is treated like
water; wine and spirits get less than water because their alcohol is diuretic
(a higher strength than the study's 4 % lager).

Alcohol units follow the UK definition: one unit is 10 ml of pure ethanol, so
units = volume in ml × ABV % / 1000, with a typical strength per beverage.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracker.logbook.models import Beverage


@dataclass(frozen=True)
class BeverageInfo:
    hydration_factor: Decimal
    abv_percent: Decimal
    source: str


STUDY = "Maughan et al. 2016"
ASSUMED = "assumption (not in the study)"

BEVERAGES: dict[str, BeverageInfo] = {
    Beverage.WATER: BeverageInfo(Decimal("1.0"), Decimal("0"), STUDY),
    Beverage.ELECTROLYTE_DRINK: BeverageInfo(Decimal("1.1"), Decimal("0"), STUDY),
    Beverage.ORAL_REHYDRATION_SOLUTION: BeverageInfo(Decimal("1.5"), Decimal("0"), STUDY),
    Beverage.TEA: BeverageInfo(Decimal("1.0"), Decimal("0"), STUDY),
    Beverage.COFFEE: BeverageInfo(Decimal("1.0"), Decimal("0"), STUDY),
    Beverage.MILK: BeverageInfo(Decimal("1.5"), Decimal("0"), STUDY),
    Beverage.JUICE: BeverageInfo(Decimal("1.4"), Decimal("0"), STUDY),
    Beverage.SODA: BeverageInfo(Decimal("1.0"), Decimal("0"), STUDY),
    Beverage.SOUP: BeverageInfo(Decimal("1.0"), Decimal("0"), ASSUMED),
    Beverage.BEER: BeverageInfo(Decimal("1.0"), Decimal("4"), STUDY),
    Beverage.WINE: BeverageInfo(Decimal("0.8"), Decimal("12"), ASSUMED),
    Beverage.SPIRITS: BeverageInfo(Decimal("0.5"), Decimal("40"), ASSUMED),
    Beverage.OTHER: BeverageInfo(Decimal("1.0"), Decimal("0"), ASSUMED),
}


def effective_ml(*, volume_ml: int, beverage: str) -> int:
    raw = Decimal(volume_ml) * BEVERAGES[beverage].hydration_factor
    return int(raw.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def alcohol_units(*, volume_ml: int, beverage: str) -> Decimal:
    units = Decimal(volume_ml) * BEVERAGES[beverage].abv_percent / Decimal(1000)
    return units.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
