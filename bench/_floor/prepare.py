"""Migrate the floor project's database and create its user, token and one note;
prints them as JSON for bench.load (run in its own process: one settings module each)."""

import json

import django


def main() -> None:
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from bench._floor.models import Note

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("floor", "floor@example.com", "bench password 1234")
    token = Token.objects.create(user=user)
    note = Note.objects.create(user=user, text="one object")
    print(json.dumps({"user_id": user.pk, "token": token.key, "note_id": note.pk}))


if __name__ == "__main__":
    main()
