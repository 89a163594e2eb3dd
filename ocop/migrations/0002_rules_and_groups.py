"""The OCOP rating rules, who may recognise which stars when, and the product groups, as data.

Sources (shared/domain.md §4, all [V]): 1048/QĐ-TTg (21/08/2019): parts A 35, B 25, C 40; province
recognises 3–4★, ministry 5★. 148/QĐ-TTg (24/02/2023, replaces 1048): parts A 40, B 25, C 35;
district 3★, province 4★, ministry 5★. 1489/QĐ-TTg (06/07/2025, amends 148): province 3–4★,
ministry 5★, the commune only pre-assesses. Certificates are valid 36 months. Staff may correct these
rows in the admin.
"""

import datetime

from django.db import migrations

D = datetime.date

RULES = [
    ("1048", "1048/QĐ-TTg ngày 21/08/2019", D(2019, 8, 21), D(2023, 2, 23), 35, 25, 40),
    ("148", "148/QĐ-TTg ngày 24/02/2023", D(2023, 2, 24), None, 40, 25, 35),
]

AUTHORITY = [
    ("province", 3, 4, D(2019, 8, 21), D(2023, 2, 23), "1048/QĐ-TTg"),
    ("central", 5, 5, D(2019, 8, 21), D(2023, 2, 23), "1048/QĐ-TTg"),
    ("district", 3, 3, D(2023, 2, 24), D(2025, 7, 5), "148/QĐ-TTg"),
    ("province", 4, 4, D(2023, 2, 24), D(2025, 7, 5), "148/QĐ-TTg"),
    ("central", 5, 5, D(2023, 2, 24), D(2025, 7, 5), "148/QĐ-TTg"),
    ("province", 3, 4, D(2025, 7, 6), None, "1489/QĐ-TTg (sửa đổi 148/QĐ-TTg)"),
    ("central", 5, 5, D(2025, 7, 6), None, "1489/QĐ-TTg (sửa đổi 148/QĐ-TTg)"),
]

# (code, Vietnamese, English, maps to a 148 group code)
GROUPS_1048 = [
    ("TP", "Thực phẩm", "Food", "TP"),
    ("DU", "Đồ uống", "Drinks", "DU"),
    ("TD", "Thảo dược", "Herbal products", "DL"),
    ("VMM", "Vải và may mặc", "Textiles and garments", "TCMN"),
    ("LNNT", "Lưu niệm – nội thất – trang trí", "Souvenirs, furniture and decor", "TCMN"),
    ("DVDL", "Dịch vụ du lịch nông thôn, bán hàng", "Rural tourism services and sales", "DVDL"),
]
GROUPS_148 = [
    ("TP", "Thực phẩm", "Food"),
    ("DU", "Đồ uống", "Drinks"),
    ("DL", "Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and products"),
    ("TCMN", "Thủ công mỹ nghệ", "Handicrafts"),
    ("SVC", "Sinh vật cảnh", "Ornamental plants and animals"),
    ("DVDL", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", "Community and eco-tourism, tourist sites"),
]
# Subgroups as listed for 919/QĐ-TTg; the full list is Appendix III of 148 (staff may add the rest).
SUBGROUPS_148 = [
    ("TP-TS", "TP", "Nông, thủy sản tươi sống", "Fresh farm and fishery produce"),
    ("TP-SC", "TP", "Nông, thủy sản sơ chế, chế biến", "Processed farm and fishery produce"),
    ("TP-K", "TP", "Thực phẩm khác", "Other foods"),
    ("DU-CC", "DU", "Đồ uống có cồn", "Alcoholic drinks"),
    ("DU-KC", "DU", "Đồ uống không cồn", "Non-alcoholic drinks"),
    ("DL-TPCN", "DL", "Thực phẩm chức năng, thuốc dược liệu, thuốc y học cổ truyền", "Functional foods, herbal and traditional medicines"),
    ("DL-MP", "DL", "Mỹ phẩm từ dược liệu", "Herbal cosmetics"),
    ("DL-TD", "DL", "Tinh dầu và thảo dược khác", "Essential oils and other herbal products"),
    ("TCMN-TC", "TCMN", "Thủ công mỹ nghệ, gia dụng, trang trí", "Handicrafts, household goods and decor"),
    ("TCMN-VM", "TCMN", "Dệt may, thêu", "Textiles and embroidery"),
    ("SVC-H", "SVC", "Hoa, cây cảnh", "Flowers and bonsai"),
    ("SVC-DV", "SVC", "Động vật cảnh", "Ornamental animals"),
]


def load(apps, schema_editor):
    RatingRules = apps.get_model("ocop", "RatingRules")
    AuthorityRule = apps.get_model("ocop", "AuthorityRule")
    ProductGroup = apps.get_model("ocop", "ProductGroup")
    rules = {}
    for code, basis, start, end, a, b, c in RULES:
        rules[code] = RatingRules.objects.create(
            code=code, legal_basis=basis, effective_from=start, effective_to=end, max_part_a=a, max_part_b=b, max_part_c=c
        )
    for level, low, high, start, end, basis in AUTHORITY:
        AuthorityRule.objects.create(
            level=level, min_stars=low, max_stars=high, valid_from=start, valid_to=end, legal_basis=basis
        )
    new = {
        code: ProductGroup.objects.create(rules=rules["148"], code=code, name_vi=vi, name_en=en)
        for code, vi, en in GROUPS_148
    }
    for code, parent, vi, en in SUBGROUPS_148:
        ProductGroup.objects.create(rules=rules["148"], code=code, name_vi=vi, name_en=en, parent=new[parent])
    for code, vi, en, maps_to in GROUPS_1048:
        ProductGroup.objects.create(rules=rules["1048"], code=code, name_vi=vi, name_en=en, maps_to=new[maps_to])


def unload(apps, schema_editor):
    for model in ("ProductGroup", "AuthorityRule", "RatingRules"):
        apps.get_model("ocop", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("ocop", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
