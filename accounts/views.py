from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.services import email_verify


def verify_email(request, token):
    try:
        email_verify(token=token)
    except ValidationError as error:
        return render(request, "accounts/verify_failed.html", {"message": error.messages[0]}, status=400)
    messages.success(request, "Thank you: your email address is confirmed.")
    return redirect("today" if request.user.is_authenticated else "login")
