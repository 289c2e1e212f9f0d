"""The suggested daily fluid goal.

Formula (documented in the README and tested with hand-worked vectors):
  base      = 30 ml per kg of body weight (the lower end of the common 30–35 ml/kg
              rule of thumb, since roughly a fifth of water comes from food), or
              2,000 ml when no weight is given (EFSA 2010 adequate intake of total
              water for adult women, 2.0 L/day);
  pregnancy = +300 ml (EFSA 2010: +300 ml/day in pregnancy);
  exercise  = +500 ml per hour of logged exercise that day (a moderate sweat rate;
              ACSM position stand on exercise and fluid replacement, 2007);
rounded to the nearest 50 ml and kept within 1,500–5,000 ml.
"""

import math
from decimal import Decimal

ML_PER_KG = 30
DEFAULT_BASE_ML = 2000
PREGNANCY_EXTRA_ML = 300
EXERCISE_ML_PER_HOUR = 500
MIN_GOAL_ML, MAX_GOAL_ML = 1500, 5000


def suggested_goal_ml(
    *, body_weight_kg: Decimal | float | None, pregnant: bool = False, exercise_minutes: int = 0
) -> int:
    base = float(body_weight_kg) * ML_PER_KG if body_weight_kg else DEFAULT_BASE_ML
    total = base + (PREGNANCY_EXTRA_ML if pregnant else 0) + exercise_minutes * EXERCISE_ML_PER_HOUR / 60
    # Half up (Python's round() would send 2,125 to 2,100, halves to even).
    rounded = math.floor(total / 50.0 + 0.5) * 50
    return max(MIN_GOAL_ML, min(MAX_GOAL_ML, rounded))
