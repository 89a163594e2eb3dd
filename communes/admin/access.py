"""Admin for officers (user, role, area), also as an inline on Django's user admin.

Every save goes through communes.services.access.officer_assign, so the user's role group and staff
status always match the Officer row; a deletion goes through officer_remove.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from communes.admin.forms import version_autocomplete
from communes.models import ApiToken, Officer
from communes.services.access import (
    api_token_create,
    api_token_revoke,
    api_token_validate,
    officer_assign,
    officer_remove,
    officer_validate,
)

User = get_user_model()


class OfficerForm(forms.ModelForm):
    """Role and area, checked together (a district official's area is a district, ...)."""

    class Meta:
        model = Officer
        fields = ["user", "role", "area"]

    def clean(self) -> dict:
        cleaned = super().clean()
        role, area = cleaned.get("role"), cleaned.get("area")
        if role and area:
            try:
                officer_validate(role=role, area=area)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    form = OfficerForm
    list_display = ["user", "full_name", "role", "area", "area_period"]
    list_select_related = ["user", "area"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "area__name", "area__code"]
    autocomplete_fields = ["user", "area"]
    ordering = ["user__username"]

    def get_readonly_fields(self, request: HttpRequest, obj: Officer | None = None) -> list[str]:
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "area":
            kwargs["widget"] = version_autocomplete(self.admin_site, "area", Officer)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("name"), ordering="user__last_name")
    def full_name(self, obj: Officer) -> str:
        return obj.user.get_full_name()

    @admin.display(description=_("validity"))
    def area_period(self, obj: Officer) -> str:
        return obj.area.period_label

    def save_model(self, request: HttpRequest, obj: Officer, form: forms.ModelForm, change: bool) -> None:
        officer = officer_assign(user=obj.user, role=obj.role, area=obj.area)
        obj.pk = officer.pk

    def delete_model(self, request: HttpRequest, obj: Officer) -> None:
        officer_remove(user=obj.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for officer in queryset.select_related("user"):
            officer_remove(user=officer.user)


class OfficerInline(admin.StackedInline):
    model = Officer
    form = OfficerForm
    fields = ["role", "area"]
    autocomplete_fields = ["area"]
    extra = 1
    max_num = 1
    verbose_name = _("role and area")
    verbose_name_plural = _("role and area")

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "area":
            kwargs["widget"] = version_autocomplete(self.admin_site, "area", Officer)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the user's role and area."""

    inlines = [OfficerInline]
    list_display = [*DjangoUserAdmin.list_display, "officer_role", "officer_area"]
    list_select_related = ["officer__area"]
    list_filter = [*DjangoUserAdmin.list_filter, "officer__role"]

    @admin.display(description=_("role"), ordering="officer__role")
    def officer_role(self, obj) -> str:
        officer = self._officer(obj)
        return officer.get_role_display() if officer else ""

    @admin.display(description=_("area"), ordering="officer__area__name")
    def officer_area(self, obj) -> str:
        officer = self._officer(obj)
        return str(officer.area) if officer else ""

    @staticmethod
    def _officer(user) -> Officer | None:
        try:
            return user.officer
        except ObjectDoesNotExist:
            return None

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset, change: bool) -> None:
        if formset.model is not Officer:
            super().save_formset(request, form, formset, change)
            return
        # The officer row is written by the service (group and staff status follow), not by the formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        user = form.instance
        for inline_form in formset.forms:
            existing = inline_form.instance.pk is not None
            if existing and formset._should_delete_form(inline_form):
                officer_remove(user=user)
                formset.deleted_objects.append(inline_form.instance)
            elif inline_form.has_changed():
                data = inline_form.cleaned_data
                officer = officer_assign(user=user, role=data["role"], area=data["area"])
                if existing:
                    formset.changed_objects.append((officer, inline_form.changed_data))
                else:
                    formset.new_objects.append(officer)


class ApiTokenForm(forms.ModelForm):
    """Name, user, area and read-only for a new token; the key is generated by api_token_create."""

    class Meta:
        model = ApiToken
        fields = ["name", "user", "area", "read_only"]

    def clean(self) -> dict:
        cleaned = super().clean()
        user, area = cleaned.get("user"), cleaned.get("area")
        if self.instance.pk is None and user and area:
            try:
                api_token_validate(user=user, area=area)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens for other systems. The key is shown once, in a message, when the token is created."""

    form = ApiTokenForm
    list_display = ["name", "user", "area", "read_only", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user", "area"]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key_prefix", "user__username", "area__name", "area__code"]
    autocomplete_fields = ["user", "area"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return ["name", "user", "area", "read_only"]
        return [
            "name",
            "user",
            "area",
            "read_only",
            "key_prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return []
        # A token's holder and reach are fixed; to change them, revoke it and create another.
        return ["user", "area", "read_only", "key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "area":
            kwargs["widget"] = version_autocomplete(self.admin_site, "area", ApiToken)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoke instead: the row records who used the API and until when

    def save_form(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> ApiToken:
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        token, key = api_token_create(
            name=data["name"], user=data["user"], area=data["area"], read_only=data["read_only"], by=request.user
        )
        messages.warning(
            request,
            _("The key of token “%(name)s” is: %(key)s — copy it now; it is not stored and will not be shown again.")
            % {"name": token.name, "key": key},
        )
        return token

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool) -> None:
        if change:  # a new token was saved whole by api_token_create (it has no many-to-many fields)
            super().save_related(request, form, formsets, change)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)
            count += 1
        messages.success(request, _("%(count)d token(s) revoked.") % {"count": count})
