"""Today's province asked about an earlier year shows the communes of the provinces it was formed from."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_todays_province_matrix_for_2024_lists_the_old_provinces_communes(client, area_tree, provincial_staff):
    client.force_login(provincial_staff)

    response = client.get(reverse("communes:province_matrix", args=[area_tree.thai_nguyen.pk]), {"year": 2024})

    assert response.status_code == 200
    names = [row.unit.name for row in response.context["matrix"].rows]
    assert {"Xã Ngọc Phái", "Xã Khang Ninh", "Xã Tân Mỹ"} <= set(names)
    assert "Xã Chợ Đồn" not in names  # formed on 1 July 2025
    assert "Xã Hòa An" not in names  # another province


def test_todays_province_matrix_for_2026_lists_todays_communes(client, area_tree, provincial_staff):
    client.force_login(provincial_staff)

    response = client.get(reverse("communes:province_matrix", args=[area_tree.thai_nguyen.pk]), {"year": 2026})

    names = {row.unit.name for row in response.context["matrix"].rows}
    assert names == {"Xã Chợ Đồn", "Xã Ba Bể", "Xã Dân Tiến"}
