from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from accounts.limits import count_signin_failure

        user_login_failed.connect(count_signin_failure, dispatch_uid="accounts-signin-failures-per-source")
