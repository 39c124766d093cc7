"""A staff token is looked up with its user and staff profile in one plain statement: the ORM's own objects, the
profile (or that there is none) kept so no permission question queries again, and every refusal as before."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.utils import timezone

from panjereh import access
from panjereh.agencies.models import StaffProfile, StaffToken
from panjereh.agencies.staff_tokens import StaffTokenAuthentication, new_token
from panjereh.core.token_hashing import hash_token
from tests.conftest import user

pytestmark = pytest.mark.django_db
find = StaffTokenAuthentication().find


def test_the_token_its_user_and_profile_as_the_orm_reads_them(city, django_assert_num_queries):
    stored, raw = new_token(user("reviewer.water"))
    with django_assert_num_queries(1):
        found_user, token = find(hash_token(raw))
    orm = StaffToken.objects.select_related("user", "user__staff").get(pk=stored.pk)
    assert model_to_dict(token) == model_to_dict(orm) and not token._state.adding
    assert model_to_dict(found_user) == model_to_dict(orm.user) and found_user is token.user
    assert model_to_dict(found_user.staff) == model_to_dict(orm.user.staff)
    assert isinstance(found_user.is_active, bool) and timezone.is_aware(token.expires_at)
    with django_assert_num_queries(0):  # every permission question of the request reads what was loaded
        assert access.staff_profile(found_user).role == orm.user.staff.role
        assert access.user_agency_id(found_user) == orm.user.staff.agency_id
        assert found_user.staff.user is found_user


def test_a_user_without_a_staff_profile_asks_nothing_more(city, django_assert_num_queries):
    admin = get_user_model().objects.create_superuser("root2", password="x" * 16)
    assert not StaffProfile.objects.filter(user=admin).exists()
    raw = new_token(admin)[1]
    found_user, _ = find(hash_token(raw))
    with django_assert_num_queries(0):
        assert access.staff_profile(found_user) is None


def test_unknown_expired_revoked_and_inactive_are_refused(city):
    stored, raw = new_token(user("operator1"))
    assert find(hash_token(raw)) is not None
    assert find(hash_token(raw + "x")) is None
    StaffToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert find(hash_token(raw)) is None
    stored, raw = new_token(user("operator1"))
    StaffToken.objects.filter(pk=stored.pk).update(revoked_at=timezone.now())
    assert find(hash_token(raw)) is None
    stored, raw = new_token(user("operator1"))
    get_user_model().objects.filter(username="operator1").update(is_active=False)
    assert find(hash_token(raw)) is None
