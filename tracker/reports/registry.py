"""The factor registry: one frozen declaration per factor the reports relate to cramps.

Each factor reads one value per diary day from the day's aggregates (built by
series.py from one grouped query per source table) and is "exposed" on a day by a
fixed, documented threshold. The `cause` quotes the source document (domain.md).
Adding a factor is one entry here (and, if it needs a new column, one annotation in
series.py's query for that table).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import Condition, DrugClass

BINARY = "binary"
CONTINUOUS = "continuous"

# A day's aggregates, as series.py builds them: {"intake": {...} | None, "activity": ...,
# "checkin": ..., "dose": {drug_class: count} | None, "goal_ml": int, "goal_share": float}.
# On a cramp day's lag-0 aggregates the timed tables hold what came before the first
# cramp and goal_share is the share of the goal due by then (design §6, timing).
Aggregates = dict

# Known or unknown (design §6, missing values): a value is None when the day does not
# tell it. Not logging a drink is not drinking nothing; a blank check-in answer is not
# "no"; activities and as-needed doses are known on a day with a check-in (which asks
# the user to log the day) or an entry of that kind.


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    kind: str
    unit: str
    # Human-readable exposure rule with its threshold, shown on the factors page.
    rule: str
    # The day's condition in words, for "Cramps on 6 of 9 days when <phrase>".
    phrase: str
    cause: str
    source: str
    value: Callable[[Aggregates], float | bool | None] = field(repr=False, compare=False)
    threshold: float = 1
    # True: exposed when value < threshold (low fluid, short sleep); else value >= threshold.
    below: bool = False
    # Timed: entries with an instant (drinks, activities, doses); lag 0 on a cramp day
    # counts only those before the first cramp. Daily: a check-in answer.
    timed: bool = False

    def exposed(self, value) -> bool | None:
        if value is None:
            return None
        if self.below:
            return float(value) < self.threshold
        return float(value) >= self.threshold


def _checkin(column: str, *, as_bool: bool = False, as_list: bool = False):
    def read(agg: Aggregates):
        row = agg.get("checkin")
        if row is None:
            return None
        value = row.get(column)
        if value is None:
            return None
        if as_list or as_bool:
            return bool(value)
        return float(value)

    return read


def _activity(column: str, *, as_bool: bool = False):
    def read(agg: Aggregates):
        row = agg.get("activity")
        if row is None:
            if agg.get("checkin") is None:
                return None
            return False if as_bool else 0.0
        value = row.get(column) or 0
        return bool(value) if as_bool else float(value)

    return read


def _goal_pct(agg: Aggregates):
    # Unknown when no drink was logged that day, and when nothing was due yet (a
    # cramp before the waking window opened). Exact: rounding is for display only.
    intake = agg.get("intake")
    due = (agg.get("goal_ml") or 0) * agg.get("goal_share", 1.0)
    if intake is None or due <= 0:
        return None
    return 100 * float(intake.get("effective_ml") or 0) / due


def _electrolyte(agg: Aggregates):
    intake = agg.get("intake")
    return None if intake is None else bool(intake.get("electrolyte_drinks"))


def _alcohol(agg: Aggregates):
    # Drinks logged with alcohol, plus the check-in's units for alcohol not logged as
    # drinks (the check-in asks only for those, so no drink counts twice). Known when
    # the check-in answered it or any drink was logged that day.
    intake, checkin = agg.get("intake"), agg.get("checkin")
    checkin_units = None if checkin is None else checkin.get("alcohol_units")
    if intake is None and checkin_units is None:
        return None
    return float((intake or {}).get("alcohol_units") or 0) + float(checkin_units or 0)


def _dose(drug_class: str):
    def read(agg: Aggregates):
        doses = agg.get("dose")
        if doses is None:
            return None if agg.get("checkin") is None else False
        return doses.get(drug_class, 0) > 0

    return read


FACTORS: list[Factor] = [
    Factor(
        key="low_fluid",
        label="Drank under 60% of goal",
        kind=CONTINUOUS,
        unit="% of goal",
        rule=(
            "effective fluid (volume × hydration factor) under 60% of the daily goal; on a cramp day, "
            "what was drunk before the first cramp against the share of the goal due by then"
        ),
        phrase="you drank under 60% of your goal",
        cause="Dehydration is one of the most common causes of leg cramps",
        source="intake.effective_ml",
        value=_goal_pct,
        threshold=60,
        below=True,
        timed=True,
    ),
    Factor(
        key="electrolyte_drinks",
        label="Had an electrolyte drink",
        kind=BINARY,
        unit="drinks",
        rule="at least one electrolyte drink or oral rehydration solution",
        phrase="you had an electrolyte drink",
        cause="mineral depletion, including decreases in calcium, potassium, and magnesium",
        source="intake.beverage",
        value=_electrolyte,
        timed=True,
    ),
    Factor(
        key="exercise_minutes",
        label="Exercised 60 minutes or more",
        kind=CONTINUOUS,
        unit="min",
        rule="60 minutes or more of logged activity",
        phrase="you exercised 60 minutes or more",
        cause="leg muscles can also cramp from overuse",
        source="activity.duration_minutes",
        value=_activity("minutes"),
        timed=True,
        threshold=60,
    ),
    Factor(
        key="vigorous_or_sweating",
        label="Vigorous exercise or heavy sweating",
        kind=BINARY,
        unit="",
        rule="any activity of vigorous intensity or with heavy sweating",
        phrase="you exercised vigorously or sweated heavily",
        cause="excessive sweating, and heat-related illnesses; overuse",
        source="activity.intensity, activity.heavy_sweating",
        value=_activity("vigorous", as_bool=True),
        timed=True,
    ),
    Factor(
        key="sitting_hours",
        label="Sat 8 hours or more",
        kind=CONTINUOUS,
        unit="h",
        rule="8 hours or more sitting (check-in)",
        phrase="you sat 8 hours or more",
        cause="Excessive Sitting or Standing",
        source="checkin.sitting_hours",
        value=_checkin("sitting_hours"),
        threshold=8,
    ),
    Factor(
        key="standing_hours",
        label="Stood 6 hours or more",
        kind=CONTINUOUS,
        unit="h",
        rule="6 hours or more standing (check-in)",
        phrase="you stood 6 hours or more",
        cause="Excessive Sitting or Standing",
        source="checkin.standing_hours",
        value=_checkin("standing_hours"),
        threshold=6,
    ),
    Factor(
        key="sleep_hours",
        label="Slept under 6 hours",
        kind=CONTINUOUS,
        unit="h",
        rule="under 6 hours of sleep (check-in)",
        phrase="you slept under 6 hours",
        cause="frequent stress and sleep disturbances; your muscles need time to recover",
        source="checkin.sleep_hours",
        value=_checkin("sleep_hours"),
        threshold=6,
        below=True,
    ),
    Factor(
        key="fatigue",
        label="Fatigue 4 or 5 of 5",
        kind=CONTINUOUS,
        unit="1–5",
        rule="fatigue rated 4 or 5 (check-in)",
        phrase="you rated your fatigue 4 or 5",
        cause="Your muscles need time to recover",
        source="checkin.fatigue",
        value=_checkin("fatigue"),
        threshold=4,
    ),
    Factor(
        key="stress",
        label="Stress 4 or 5 of 5",
        kind=CONTINUOUS,
        unit="1–5",
        rule="stress rated 4 or 5 (check-in)",
        phrase="you rated your stress 4 or 5",
        cause="frequent stress and sleep disturbances",
        source="checkin.stress",
        value=_checkin("stress"),
        threshold=4,
    ),
    Factor(
        key="alcohol_units",
        label="3 or more units of alcohol",
        kind=CONTINUOUS,
        unit="units",
        rule="3 or more UK units (10 ml ethanol each): drinks logged plus the check-in's units",
        phrase="you had 3 or more units of alcohol",
        cause="The nerves in your leg can be damaged by alcohol abuse",
        source="intake.alcohol_units + checkin.alcohol_units",
        value=_alcohol,
        threshold=3,
        timed=True,
    ),
    Factor(
        key="hot_environment",
        label="Hot environment",
        kind=BINARY,
        unit="",
        rule="check-in says you spent time in heat",
        phrase="you were somewhere hot",
        cause="excessive sweating, and heat-related illnesses",
        source="checkin.hot_environment",
        value=_checkin("hot_environment", as_bool=True),
    ),
    Factor(
        key="illness",
        label="Vomiting, diarrhoea or fever",
        kind=BINARY,
        unit="",
        rule="check-in lists vomiting, diarrhoea or fever",
        phrase="you had vomiting, diarrhoea or a fever",
        cause="Dehydration risk is elevated if you're vomiting, have severe diarrhea, or a high fever",
        source="checkin.illness",
        value=_checkin("illness", as_list=True),
    ),
    Factor(
        key="low_blood_sugar",
        label="Low blood sugar",
        kind=BINARY,
        unit="",
        rule="check-in records a low-blood-sugar episode",
        phrase="you had low blood sugar",
        cause="Hypoglycemia, which may occur in people with diabetes",
        source="checkin.low_blood_sugar",
        value=_checkin("low_blood_sugar", as_bool=True),
    ),
    Factor(
        key="no_potassium_rich_food",
        label="No potassium- or magnesium-rich food",
        kind=CONTINUOUS,
        unit="servings",
        rule="no potassium- or magnesium-rich servings (check-in: 0 servings)",
        phrase="you had no potassium- or magnesium-rich food",
        cause="Potassium Deficiency; a lack of B vitamins and magnesium",
        source="checkin.potassium_rich_servings",
        value=_checkin("potassium_rich_servings"),
        threshold=1,
        below=True,
    ),
    Factor(
        key="uncomfortable_shoes",
        label="Uncomfortable shoes",
        kind=BINARY,
        unit="",
        rule="check-in says you wore uncomfortable shoes or heels",
        phrase="you wore uncomfortable shoes",
        cause="wearing beautiful but uncomfortable shoes with heels",
        source="checkin.uncomfortable_shoes",
        value=_checkin("uncomfortable_shoes", as_bool=True),
    ),
    Factor(
        key="dehydration_signs",
        label="Signs of dehydration",
        kind=BINARY,
        unit="",
        rule="check-in lists at least one sign of dehydration",
        phrase="you noticed signs of dehydration",
        cause="Dehydration is one of the most common causes of leg cramps",
        source="checkin.dehydration_signs",
        value=_checkin("dehydration_signs", as_list=True),
    ),
] + [
    Factor(
        key=f"medication_{drug_class.value}",
        label=f"Took: {drug_class.label}",
        kind=BINARY,
        unit="",
        rule=f"at least one dose of a medicine in the class “{drug_class.label}”",
        phrase=f"you took a medicine in the class “{drug_class.label}”",
        cause="Certain medications ... have a tendency to cause muscle cramps",
        source="dose.medication.drug_class",
        value=_dose(drug_class.value),
        timed=True,
    )
    for drug_class in DrugClass
]

FACTORS_BY_KEY: dict[str, Factor] = {f.key: f for f in FACTORS}
MEDICATION_PREFIX = "medication_"
NAMED_PREFIX = "med:"


def named_medicine_factor(med_id: int, name: str) -> Factor:
    """One named medicine or supplement of the user's list, as its own factor (design
    §6): built per series from the doses taken in it."""
    return Factor(
        key=f"{MEDICATION_PREFIX}named_{med_id}",
        label=f"Took: {name}",
        kind=BINARY,
        unit="",
        rule=f"at least one dose of {name}",
        phrase=f"you took {name}",
        cause="Certain medications ... have a tendency to cause muscle cramps",
        source="dose.medication",
        value=_dose(f"{NAMED_PREFIX}{med_id}"),
        timed=True,
    )


# Constant for a user over a window: shown as context, never tested (no within-person contrast).
CONTEXT_CAUSES = {
    Condition.PREGNANCY: "third trimester of pregnancy often experience leg cramps",
    Condition.VARICOSE_VEINS: "Poor Circulation",
    Condition.ATHEROSCLEROSIS: "Poor Circulation",
    Condition.MULTIPLE_SCLEROSIS: "multiple sclerosis and other conditions",
    Condition.DIABETES: "Hypoglycemia, which may occur in people with diabetes",
}


def context_items(*, user) -> list[dict]:
    items = []
    if user.is_pregnant:
        items.append(
            {"key": "pregnancy", "label": f"Pregnant (due {user.pregnancy_due_date:%Y-%m-%d})", "tested": False}
        )
    for value in user.conditions or []:
        if value == Condition.PREGNANCY and user.is_pregnant:
            continue
        items.append({"key": value, "label": Condition(value).label, "tested": False})
    return items
