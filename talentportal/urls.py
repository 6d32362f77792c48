from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import views
from .api import SwaggerView

handler400 = "talentportal.views.error_400"
handler403 = "talentportal.views.error_403"
handler404 = "talentportal.views.error_404"
handler500 = "talentportal.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("talentportal.orgs.urls")),
    path("registry/", include("talents.urls")),
    path("platforms/", include("platforms.urls")),
    path("programs/", include("programs.urls")),
    path("assessments/", include("assessments.urls")),
    path("plans/", include("plans.urls")),
    path("dashboard/", include("cockpit.urls")),
    path("audit/", include("talentportal.audit.urls")),
    path("jobs/", include("talentportal.jobs.urls")),
    path("reports/", include("talentportal.jobs.report_urls")),
    path("api/v1/", include("talentportal.api")),
    # Signed-in users only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the docs page sends others to sign in.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", login_required(SwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("django-admin/", admin.site.urls),
]
