"""Plain-language advice from the source documents (domain.md): the red-flag
messages and the tips after a cramp. The app is not a diagnostic tool; it says
plainly when something needs a doctor. One place for the wording, used by the API,
the pages, the reminders and the reports."""

from tracker.logbook.models import DEHYDRATION_RED_FLAGS, PREGNANCY_RED_FLAGS, SEIZURE_RED_FLAGS

SEIZURE_MESSAGE = (
    "Loss of consciousness or whole-body convulsions can be a seizure, not a cramp: "
    "call emergency services now. This app is not for seizures."
)
SEVERE_DEHYDRATION_MESSAGE = (
    "Fainting, confusion or sunken eyes can mean severe dehydration: "
    "seek medical attention immediately — see a doctor now."
)
FREQUENT_CRAMPS_MESSAGE = (
    "Cramps on {nights} nights this week: cramps that come often or every night should be checked — see a doctor."
)
CIRCULATION_MESSAGE = (
    "Cramps with swelling, redness or numbness can point to a circulation or nerve problem — see a doctor."
)
PREGNANCY_MESSAGE = (
    "In pregnancy, cramps with swelling or high blood pressure need checking at once — see a doctor or midwife."
)
# Logged in the check-in, on a day rather than with a cramp: prompt, not an emergency
# call, and no name for what it might be.
PREGNANCY_DAY_MESSAGE = (
    "High blood pressure or swelling in pregnancy needs checking promptly — "
    "see a doctor or contact your maternity care (midwife) today."
)

CRAMP_TIPS = [
    "Stretch the muscle gently and hold the stretch; massage it.",
    "Walk around, or change position.",
    "Heat relaxes the muscle; cold can ease the pain afterwards.",
    "Drink through the day, and replace electrolytes after sweating, not only water.",
    "Alternate sitting and standing, and stretch your calves before bed.",
]
ELECTROLYTE_CUE = (
    "You sweated hard: replace fluids with electrolytes (an electrolyte drink or salty food), not only water."
)

NIGHTS_FOR_FREQUENT_CRAMPS = 5


def red_flag_message(symptoms: list[str], *, pregnant: bool = False) -> str | None:
    """The "see a doctor" message for an episode's symptoms or a check-in's red flags
    (their names are shared), most urgent first, or None."""
    present = set(symptoms)
    if present & SEIZURE_RED_FLAGS:
        return SEIZURE_MESSAGE
    if present & DEHYDRATION_RED_FLAGS:
        return SEVERE_DEHYDRATION_MESSAGE
    if present & PREGNANCY_RED_FLAGS:
        return PREGNANCY_DAY_MESSAGE
    if pregnant and "swelling" in present:
        return PREGNANCY_MESSAGE
    if present & {"swelling", "redness", "numbness"}:
        return CIRCULATION_MESSAGE
    return None
