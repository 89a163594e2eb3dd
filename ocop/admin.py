"""Admin for OCOP: the rules (as data), product groups, producers, products and the scoring form.

Rating events are recorded through ocop.services.rating_record, so the rules apply here too and
their errors show beside the field at fault; the scoring form computes total and stars live
(static/js/ocop-scoring.js) while the server decides on save. A recorded rating event keeps its
scores, decision and certificate: a correction is a new rating event. Products and producers are
plain ModelForms with their history (django-simple-history); every list is scoped to the user's
area (for_user / area_q) and loads what it shows in a bounded number of queries.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from communes.access import area_q, user_area
from communes.admin.forms import version_autocomplete
from communes.admin.units import ProvinceListFilter
from communes.models import Level
from ntm_portal.db import count_related
from ocop.models import AuthorityRule, Producer, Product, ProductGroup, RatingEvent, RatingRules
from ocop.querysets import STATUS_EXPIRED, STATUS_NEVER, STATUS_VALID
from ocop.services import rating_check, rating_record

SCORE_FIELDS = ("score_a", "score_b", "score_c")


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's errors beside the fields they name (on the form itself for any other key)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def _stars(stars: int | None, potential: bool = False) -> str:
    if stars is None:
        return "–"
    text = "★" * stars
    return gettext("%(stars)s (potential 5★)") % {"stars": text} if potential else text


class NoRevertHistoryAdmin(SimpleHistoryAdmin):
    """History visible from the record; reverting is refused (it would skip the services)."""

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# The rules, as data


@admin.register(RatingRules)
class RatingRulesAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "legal_basis",
        "effective_from",
        "effective_to",
        "max_part_a",
        "max_part_b",
        "max_part_c",
        "certificate_months",
    ]
    ordering = ["effective_from"]


@admin.register(AuthorityRule)
class AuthorityRuleAdmin(admin.ModelAdmin):
    list_display = ["level", "min_stars", "max_stars", "valid_from", "valid_to", "legal_basis"]
    list_filter = ["level", "legal_basis"]


class SubgroupInline(admin.TabularInline):
    model = ProductGroup
    fk_name = "parent"
    fields = ["code", "name_vi", "name_en"]
    extra = 0
    verbose_name = _("subgroup")
    verbose_name_plural = _("subgroups")


@admin.register(ProductGroup)
class ProductGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "rules", "parent", "maps_to"]
    list_select_related = ["rules", "parent", "maps_to"]
    list_filter = ["rules"]
    search_fields = ["code", "name_vi", "name_en"]
    inlines = [SubgroupInline]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # A subgroup belongs to its group's rules version; the inline does not ask for it.
        for subgroup in formset.save(commit=False):
            subgroup.rules = form.instance.rules
            subgroup.save()
        for subgroup in formset.deleted_objects:
            subgroup.delete()


# Producers


class ProducerProvinceFilter(ProvinceListFilter):
    """The province of the producer's commune version (every version of a province code together)."""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(commune__province__code=self.value()) if self.value() else queryset


class ProducerForm(forms.ModelForm):
    class Meta:
        model = Producer
        fields = ["kind", "name", "registration_code", "commune", "address", "representative", "phone", "email"]

    def clean_commune(self):
        commune = self.cleaned_data["commune"]
        if commune is not None and commune.level != Level.COMMUNE:
            raise ValidationError(gettext("Choose a commune-level unit; %(unit)s is not one.") % {"unit": commune})
        return commune


class ProducerProductInline(admin.TabularInline):
    """The producer's products with their current OCOP status, read-only (added from the product list)."""

    model = Product
    fields = ["name", "group", "status_display"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_current_status().select_related("group")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("current OCOP status"))
    def status_display(self, obj: Product) -> str:
        return product_status_text(obj)


@admin.register(Producer)
class ProducerAdmin(SimpleHistoryAdmin):
    form = ProducerForm
    list_display = ["name", "kind", "commune", "province_of_time", "products_count", "registration_code"]
    list_select_related = ["commune__province"]
    list_filter = ["kind", ProducerProvinceFilter, "is_demo"]
    search_fields = ["name", "registration_code"]
    autocomplete_fields = ["commune"]
    readonly_fields = ["add_product_link"]
    inlines = [ProducerProductInline]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).filter(area_q(request.user, "commune__"))
        return qs.annotate(products_count=count_related(Product, "producer"))

    def get_fields(self, request: HttpRequest, obj: Producer | None = None) -> list[str]:
        fields = list(ProducerForm.Meta.fields)
        return [*fields, "add_product_link"] if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "commune":
            kwargs["widget"] = version_autocomplete(self.admin_site, "commune", Producer)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("province of that time"), ordering="commune__province__name")
    def province_of_time(self, obj: Producer) -> str:
        return str(obj.commune.province) if obj.commune.province_id else "–"

    @admin.display(description=_("products"), ordering="products_count")
    def products_count(self, obj: Producer) -> int:
        return obj.products_count

    @admin.display(description=_("add a product"))
    def add_product_link(self, obj: Producer) -> str:
        url = reverse("admin:ocop_product_add") + f"?producer={obj.pk}"
        return format_html('<a class="addlink" href="{}">{}</a>', url, gettext("Add a product of this producer"))


# Products


def product_status_text(product: Product) -> str:
    """A product annotated by with_current_status, in words: stars and validity, expired or never."""
    if product.status == STATUS_VALID:
        return gettext("%(stars)s, valid until %(date)s") % {
            "stars": _stars(product.current_stars, product.current_potential_five_stars),
            "date": date_format(product.current_valid_until, "SHORT_DATE_FORMAT"),
        }
    if product.status == STATUS_EXPIRED:
        return gettext("Expired on %(date)s") % {"date": date_format(product.last_valid_until, "SHORT_DATE_FORMAT")}
    return gettext("Never recognised")


class CurrentStarsFilter(admin.SimpleListFilter):
    title = _("current stars")
    parameter_name = "stars"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("3", "★★★"),
            ("4", "★★★★"),
            ("potential", _("Potential 5 stars")),
            ("5", "★★★★★"),
            (STATUS_EXPIRED, _("Expired")),
            (STATUS_NEVER, _("Never recognised")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in ("3", "4", "5"):
            return queryset.filter(current_stars=int(value))
        if value == "potential":
            return queryset.filter(current_potential_five_stars=True)
        if value in (STATUS_EXPIRED, STATUS_NEVER):
            return queryset.filter(status=value)
        return queryset


class ProductRatingInline(admin.TabularInline):
    """Every rating event of the product, newest first, read-only: a new rating is added on its own form."""

    model = RatingEvent
    fields = [
        "decision_date",
        "level",
        "kind",
        "rules",
        "score_a",
        "score_b",
        "score_c",
        "total",
        "stars",
        "potential_five_stars",
        "decision_number",
        "certificate_number",
        "valid_until",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-decision_date", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("rules")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["name", "producer", "group", "current_stars_display", "current_valid_until_display"]
    list_filter = ["group", CurrentStarsFilter, "is_demo"]
    search_fields = ["name", "producer__name", "producer__registration_code"]
    autocomplete_fields = ["producer", "group"]
    inlines = [ProductRatingInline]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).for_user(request.user).with_current_status()
        # The change list applies list_select_related only to a queryset without select_related: name all.
        return qs.select_related("producer", "group")

    def get_fields(self, request: HttpRequest, obj: Product | None = None) -> list[str]:
        fields = ["producer", "name", "group", "description"]
        return [*fields, "status_display", "add_rating_link"] if obj is not None else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Product | None = None) -> list[str]:
        return ["status_display", "add_rating_link"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "producer":
            kwargs["queryset"] = Producer.objects.filter(area_q(request.user, "commune__"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("current stars"), ordering="current_stars")
    def current_stars_display(self, obj: Product) -> str:
        if obj.status == STATUS_VALID:
            return _stars(obj.current_stars, obj.current_potential_five_stars)
        return gettext("Expired") if obj.status == STATUS_EXPIRED else gettext("Never recognised")

    @admin.display(description=_("valid until"), ordering="current_valid_until")
    def current_valid_until_display(self, obj: Product) -> str:
        if obj.status == STATUS_VALID:
            return date_format(obj.current_valid_until, "SHORT_DATE_FORMAT")
        if obj.status == STATUS_EXPIRED:
            return gettext("ended %(date)s") % {"date": date_format(obj.last_valid_until, "SHORT_DATE_FORMAT")}
        return "–"

    @admin.display(description=_("current OCOP status"))
    def status_display(self, obj: Product) -> str:
        return product_status_text(obj)

    @admin.display(description=_("rate this product"))
    def add_rating_link(self, obj: Product) -> str:
        url = reverse("admin:ocop_ratingevent_add") + f"?product={obj.pk}"
        return format_html('<a class="addlink" href="{}">{}</a>', url, gettext("Add a rating event"))


# Rating events: the scoring form


class ScoreSummaryWidget(forms.Widget):
    """Live total and stars, filled in by static/js/ocop-scoring.js from the rules' part maxima it
    carries in data attributes. Displays only: nothing is submitted, the server computes on save."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        rules = [
            {
                "id": rules.pk,
                "from": rules.effective_from.isoformat(),
                "to": rules.effective_to.isoformat() if rules.effective_to else None,
                "a": rules.max_part_a,
                "b": rules.max_part_b,
                "c": rules.max_part_c,
                "name": str(rules),
            }
            for rules in RatingRules.objects.order_by("effective_from")
        ]
        return format_html(
            '<div id="ocop-score-summary" class="ocop-score-summary" data-rules="{}" data-label-potential="{}" '
            'data-label-maximum="{}" data-label-over="{}">'
            '<p>{} <output id="ocop-total">–</output> / 100</p>'
            '<p>{} <output id="ocop-stars">–</output></p>'
            '<p id="ocop-rules-note" class="help"></p></div>',
            json.dumps(rules),
            gettext("held as 4★, potential 5★"),
            gettext("maximum %(max)s"),
            gettext("above the maximum %(max)s"),
            gettext("Total:"),
            gettext("Stars:"),
        )

    def value_from_datadict(self, data, files, name):
        return None


class RatingEventForm(forms.ModelForm):
    """A new rating event, checked by ocop.services.rating_check; kind and rules may be left to the rules."""

    user = None  # set by RatingEventAdmin.get_form

    summary = forms.CharField(label=_("Total and stars"), required=False, widget=ScoreSummaryWidget)
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("Derived from the product's earlier recognitions")), *RatingEvent.Kind.choices],
    )
    rules = forms.ModelChoiceField(
        label=_("rules version"),
        queryset=RatingRules.objects.order_by("effective_from"),
        required=False,
        empty_label=_("The version in force on the decision date"),
    )

    class Meta:
        model = RatingEvent
        fields = [
            "product",
            "level",
            "kind",
            "rules",
            "council",
            "score_a",
            "score_b",
            "score_c",
            "summary",
            "decision_number",
            "decision_date",
            "issued_by",
            "certificate_number",
            "certificate_issued_on",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, part in zip(SCORE_FIELDS, "abc", strict=True):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"data-ocop-part": part, "min": "0", "step": "0.01"})
        if "level" in self.fields:
            self.fields["level"].widget.attrs["data-ocop-level"] = "1"

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is not None or self.errors:
            return cleaned
        product = cleaned.get("product")
        if product is None:
            return cleaned
        if self.user is not None and not user_area(self.user).contains(product.producer.commune):
            message = gettext("You may not rate products of %(commune)s.") % {"commune": product.producer.commune}
            self.add_error("product", message)
            return cleaned
        try:
            rating_check(**self.service_arguments(cleaned))
        except ValidationError as error:
            _add_errors(self, error)
        return cleaned

    @staticmethod
    def service_arguments(cleaned: dict) -> dict:
        return {
            "product": cleaned["product"],
            "level": cleaned.get("level") or "",
            "score_a": cleaned.get("score_a"),
            "score_b": cleaned.get("score_b"),
            "score_c": cleaned.get("score_c"),
            "kind": cleaned.get("kind") or None,
            "rules": cleaned.get("rules"),
            "council": cleaned.get("council") or "",
            "decision_number": cleaned.get("decision_number") or "",
            "decision_date": cleaned.get("decision_date"),
            "issued_by": cleaned.get("issued_by") or "",
            "certificate_number": cleaned.get("certificate_number") or "",
            "certificate_issued_on": cleaned.get("certificate_issued_on"),
        }


@admin.register(RatingEvent)
class RatingEventAdmin(NoRevertHistoryAdmin):
    form = RatingEventForm
    list_display = [
        "product",
        "level",
        "kind",
        "total",
        "stars_display",
        "decision_number",
        "decision_date",
        "valid_until",
    ]
    list_filter = ["level", "kind", "stars", "potential_five_stars", "rules", "is_demo"]
    search_fields = ["product__name", "product__producer__name", "decision_number", "certificate_number"]
    autocomplete_fields = ["product"]
    date_hierarchy = "decision_date"
    ordering = ["-decision_date", "-id"]
    list_per_page = 50
    # Fields the rules depend on: fixed once recorded (record a new rating event instead).
    checked_fields = [
        "product",
        "level",
        "kind",
        "rules",
        "score_a",
        "score_b",
        "score_c",
        "total",
        "stars",
        "potential_five_stars",
        "decision_number",
        "decision_date",
        "certificate_number",
        "certificate_issued_on",
        "valid_until",
    ]

    class Media:
        js = ["js/ocop-scoring.js"]
        css = {"all": ["css/ocop-scoring.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).for_user(request.user)
        return qs.select_related("product", "rules")

    def get_form(self, request: HttpRequest, obj: RatingEvent | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a class made for this request by modelform_factory
        return form

    def get_fields(self, request: HttpRequest, obj: RatingEvent | None = None) -> list[str]:
        if obj is None:
            return list(RatingEventForm.Meta.fields)
        return [*self.checked_fields, "council", "issued_by", "is_demo", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: RatingEvent | None = None) -> list[str]:
        return [*self.checked_fields, "is_demo", "created_at"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "product":
            kwargs["queryset"] = Product.objects.for_user(request.user).select_related("producer__commune")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("stars"), ordering="stars")
    def stars_display(self, obj: RatingEvent) -> str:
        return _stars(obj.stars, obj.potential_five_stars)

    def save_model(self, request: HttpRequest, obj: RatingEvent, form: RatingEventForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # corrections of council and issuing authority only
            return
        event = rating_record(**form.service_arguments(form.cleaned_data), by=request.user)
        # The admin goes on with the form's instance (messages, log, redirect): make it the saved row.
        for field in RatingEvent._meta.concrete_fields:
            setattr(obj, field.attname, getattr(event, field.attname))
        obj._state.adding = False
        obj._state.db = event._state.db
