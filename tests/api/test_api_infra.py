"""API infrastructure: token authentication and its area, permissions, pagination, CSV, throttling,
the schema and its documentation page."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from communes.access import user_area, user_area_narrow, user_can
from communes.models import ApiToken
from communes.services.access import api_token_create, api_token_hash, api_token_revoke
from ntm_portal.api.renderers import flatten
from ntm_portal.api.throttling import AnonymousRateThrottle, TokenRateThrottle

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/units/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(user, area, *, read_only=True) -> tuple[APIClient, ApiToken]:
    token, key = api_token_create(name="Test system", user=user, area=area, read_only=read_only, by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages in English (msgids)
    return client, token


def test_it_stores_only_a_hash_and_a_prefix_of_the_key(provincial_staff, area_tree):
    token, key = api_token_create(
        name="Hệ thống quốc gia", user=provincial_staff, area=area_tree.thai_nguyen, read_only=True, by=None
    )
    assert len(key) >= 50
    assert token.key_prefix == key[:8]
    assert token.key_hash == api_token_hash(key) != key
    assert key not in token.key_hash


def test_a_valid_token_authenticates_and_records_its_use(provincial_staff, area_tree):
    client, token = token_client(provincial_staff, area_tree.thai_nguyen)
    assert token.last_used_at is None
    response = client.get(UNITS)
    assert response.status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get(UNITS)
    token.refresh_from_db()
    assert token.last_used_at == first_use  # written at most once a minute


def test_last_use_is_updated_after_a_minute(provincial_staff, area_tree):
    client, token = token_client(provincial_staff, area_tree.thai_nguyen)
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    client.get(UNITS)
    token.refresh_from_db()
    assert token.last_used_at > long_ago


def test_a_wrong_key_is_401(provincial_staff, area_tree):
    token, key = api_token_create(name="x", user=provincial_staff, area=area_tree.thai_nguyen, read_only=True, by=None)
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.credentials(HTTP_AUTHORIZATION=f"Token {key[:8]}{'A' * (len(key) - 8)}")  # right prefix, wrong key
    response = client.get(UNITS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_401_with_a_clear_message(provincial_staff, area_tree):
    client, token = token_client(provincial_staff, area_tree.thai_nguyen)
    api_token_revoke(token=token, by=None)
    response = client.get(UNITS)
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has been revoked."}


def test_a_token_of_an_inactive_user_is_401(provincial_staff, area_tree):
    client, _token = token_client(provincial_staff, area_tree.thai_nguyen)
    User.objects.filter(pk=provincial_staff.pk).update(is_active=False)
    assert client.get(UNITS).status_code == 401


def test_without_credentials_it_is_401():
    response = APIClient().get(UNITS)
    assert response.status_code == 401


def test_a_read_only_token_may_not_write(provincial_staff, area_tree):
    client, _token = token_client(provincial_staff, area_tree.thai_nguyen, read_only=True)
    response = client.post("/api/v1/assessments/", {"unit": area_tree.ngoc_phai.pk, "year": 2024}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_a_write_without_the_model_permission_is_403(viewer, area_tree):
    client, _token = token_client(viewer, area_tree.thai_nguyen, read_only=False)
    response = client.post("/api/v1/assessments/", {"unit": area_tree.ngoc_phai.pk, "year": 2024}, format="json")
    assert response.status_code == 403
    assert "communes.add_assessment" in response.json()["detail"]


def test_the_token_narrows_the_users_area_to_its_own(provincial_staff, area_tree):
    client, _token = token_client(provincial_staff, area_tree.cho_don)
    codes = {row["code"] for row in client.get(UNITS, {"page_size": 500}).json()["results"]}
    assert {"063", "01801", "01802", "01809", "01810"} <= codes
    assert "01700" not in codes  # Khang Ninh, in Ba Bể
    assert "19" not in codes  # the province itself is outside a district token's area
    assert client.get(f"{UNITS}{area_tree.khang_ninh.pk}/").status_code == 404
    assert client.get(f"{UNITS}{area_tree.ngoc_phai.pk}/").status_code == 200


def test_a_superusers_token_is_bound_to_its_area_for_reads_and_actions(superuser, area_tree):
    client, token = token_client(superuser, area_tree.cao_bang, read_only=False)
    response = client.get(UNITS, {"page_size": 500})
    assert {row["code"] for row in response.json()["results"]} == {"04", "01300"}
    token_user = User.objects.get(pk=superuser.pk)
    user_area_narrow(token_user, token.area)
    assert user_can(token_user, "enter", area_tree.hoa_an)
    assert not user_can(token_user, "enter", area_tree.ngoc_phai)


def test_narrowing_keeps_only_what_the_user_may_see(provincial_staff_other_province, area_tree):
    """A token whose area left the user's area (the user moved) sees nothing of it."""
    user = User.objects.get(pk=provincial_staff_other_province.pk)
    user_area_narrow(user, area_tree.cho_don)
    assert user_area(user).is_empty


def test_a_token_area_must_lie_inside_the_users_area(provincial_staff_other_province, area_tree):
    with pytest.raises(ValidationError) as error:
        api_token_create(
            name="x", user=provincial_staff_other_province, area=area_tree.cho_don, read_only=True, by=None
        )
    assert "area" in error.value.message_dict


def test_pages_hold_100_rows_and_page_size_goes_up_to_500(provincial_staff, area_tree):
    client, _token = token_client(provincial_staff, area_tree.thai_nguyen)
    page = client.get(UNITS, {"page_size": 2}).json()
    assert len(page["results"]) == 2
    assert page["count"] > 2 and "page=2" in page["next"]
    assert client.get(UNITS, {"page_size": 500}).status_code == 200
    from ntm_portal.api.pagination import ApiPagination

    assert (ApiPagination.page_size, ApiPagination.max_page_size) == (100, 500)


@pytest.mark.parametrize("page_size", ["abc", "null", "", "0", "-1", "2.5", " 5", "+5", "5_0", "501"])
def test_a_page_size_that_is_not_a_whole_number_from_1_to_500_is_400_naming_it(provincial_staff, area_tree, page_size):
    client, _token = token_client(provincial_staff, area_tree.thai_nguyen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(UNITS, {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Give a whole number of rows from 1 to 500."]}


def test_the_schema_documents_page_and_page_size_bounds(superuser):
    client = APIClient()
    client.force_authenticate(superuser)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"][UNITS]["get"]["parameters"]}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
    assert parameters["page"] == {"type": "integer", "minimum": 1}


def test_lists_render_as_csv_with_nested_fields_flattened(provincial_staff, area_tree):
    client, _token = token_client(provincial_staff, area_tree.thai_nguyen)
    response = client.get(UNITS, {"format": "csv", "level": "commune", "ordering": "code"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["code"] == "01700"
    ngoc_phai = next(row for row in rows if row["code"] == "01801")
    assert ngoc_phai["district.code"] == "063"
    assert ngoc_phai["province.name"] == "Tỉnh Bắc Kạn"
    assert ngoc_phai["events.0.kind"] == "merge"


def test_flatten_names_list_items_by_their_code_or_number():
    flat = flatten(
        {
            "id": 1,
            "unit": {"code": "01801", "name": "Xã Ngọc Phái"},
            "unmet": [2, 17],
            "criterion_results": [{"number": 1, "status": "met"}, {"number": 2, "status": "not_met"}],
        }
    )
    assert flat == {
        "id": 1,
        "unit.code": "01801",
        "unit.name": "Xã Ngọc Phái",
        "unmet": "2; 17",
        "criterion_results.1.number": 1,
        "criterion_results.1.status": "met",
        "criterion_results.2.number": 2,
        "criterion_results.2.status": "not_met",
    }


def test_requests_beyond_the_token_rate_are_429(provincial_staff, area_tree, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min", "anon": "120/min"})
    client, _token = token_client(provincial_staff, area_tree.thai_nguyen)
    statuses = [client.get(UNITS).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another token of the same user has its own count.
    other, _token = token_client(provincial_staff, area_tree.thai_nguyen)
    assert other.get(UNITS).status_code == 200


def test_anonymous_requests_have_their_own_rate(monkeypatch):
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"token": "1200/min", "anon": "2/min"})
    client = APIClient()
    statuses = [client.get("/api/v1/ocop/products/").status_code for _ in range(3)]
    assert statuses[-1] == 429


def test_the_schema_is_valid_openapi_3_and_documents_the_error_answers(superuser):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    for path in (
        "/api/v1/units/",
        "/api/v1/communes/",
        "/api/v1/assessments/",
        "/api/v1/assessments/bulk-upsert/",
        "/api/v1/recognitions/",
        "/api/v1/criteria-sets/",
    ):
        assert path in schema["paths"], path
    patch = schema["paths"]["/api/v1/assessments/{id}/"]["patch"]
    assert {"400", "401", "403", "404", "409", "412", "428", "429"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_uses_our_own_static_files():
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name


def test_the_portal_header_links_to_the_api_docs(client):
    response = client.get("/")
    assert 'href="/api/v1/docs/"' in response.content.decode()


def test_the_admin_shows_a_new_key_once_and_revokes(superuser, provincial_staff, area_tree, client):
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/admin/communes/apitoken/add/",
        {
            "name": "Hệ thống OCOP quốc gia",
            "user": provincial_staff.pk,
            "area": area_tree.cho_don.pk,
            "read_only": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    messages = [str(m) for m in response.context["messages"]]
    key = next(m for m in messages if token.name in m and "not be shown again" in m).split("is: ")[1].split(" ")[0]
    assert api_token_hash(key) == token.key_hash
    assert token.created_by == superuser and token.read_only
    listing = client.get("/admin/communes/apitoken/").content.decode()
    assert key not in listing
    client.post("/admin/communes/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_admin_refuses_an_area_outside_the_users_area(
    superuser, provincial_staff_other_province, area_tree, client
):
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/admin/communes/apitoken/add/",
        {"name": "x", "user": provincial_staff_other_province.pk, "area": area_tree.cho_don.pk},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "outside the area" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/api/v1/units/", "as_of", ""),
        ("/api/v1/communes/", "assessed", "null"),
        ("/api/v1/recognitions/", "revoked", "maybe"),
    ],
)
def test_a_typed_filter_given_without_a_proper_value_is_a_400(superuser, path, param, value):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(superuser)
    response = client.get(path, {param: value})
    assert response.status_code == 400
    assert param in response.json()
