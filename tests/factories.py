import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Medication, User
from tracker.logbook import services
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    timezone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MedicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medication

    user = factory.SubFactory(UserFactory)
    name = "Example tablet"
    drug_class = "statin"


def _recent():
    return timezone.now() - dt.timedelta(hours=1)


class DiaryRowFactory(factory.django.DjangoModelFactory):
    """Builds rows through the logbook services, so the diary day and the derived
    values are computed as in production."""

    class Meta:
        abstract = True

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        log = {
            Episode: services.episode_log,
            Intake: services.intake_log,
            Activity: services.activity_log,
            Dose: services.dose_log,
        }[model_class]
        return log(**kwargs)


class EpisodeFactory(DiaryRowFactory):
    class Meta:
        model = Episode

    started_at = factory.LazyFunction(_recent)
    duration_seconds = 60
    muscle = "calf"
    severity = 5


class IntakeFactory(DiaryRowFactory):
    class Meta:
        model = Intake

    taken_at = factory.LazyFunction(_recent)
    volume_ml = 250
    beverage = "water"


class ActivityFactory(DiaryRowFactory):
    class Meta:
        model = Activity

    started_at = factory.LazyFunction(_recent)
    duration_minutes = 30
    kind = "walking"
    intensity = "moderate"


class DoseFactory(DiaryRowFactory):
    class Meta:
        model = Dose

    taken_at = factory.LazyFunction(_recent)
    medication = factory.LazyAttribute(lambda o: MedicationFactory(user=o.user))


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=1))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.checkin_save(**kwargs)
