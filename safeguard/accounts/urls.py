from django.contrib.auth import views as auth_views
from django.urls import path

from safeguard.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("accounts/mfa/backup-codes/", views.backup_codes, name="mfa_backup_codes"),
    path("accounts/mfa/reset/", views.mfa_reset, name="mfa_reset"),
    path("accounts/account/", views.account, name="account"),
    path("accounts/tokens/", views.token_create, name="token_create"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
