"""Links built once per page give the same address url_for gives for each record."""
import pytest

from portal.kernel.urls import id_url


@pytest.mark.parametrize("endpoint,arg,extra", [
    ("review.plan", "plan_id", {}),
    ("review.approve", "plan_id", {}),
    ("targets.save_row", "row_id", {"plan_id": 7}),
    ("main.school", "school_id", {}),
])
def test_a_link_built_once_matches_url_for_for_every_id(app, endpoint, arg, extra):
    from flask import url_for

    with app.test_request_context("/"):
        build = id_url(endpoint, arg, **extra)
        for record_id in (1, 19, 918273645, 2_000_000_123):
            assert build(record_id) == url_for(endpoint, **extra, **{arg: record_id})


def test_a_link_refuses_anything_but_a_whole_number(app):
    with app.test_request_context("/"):
        build = id_url("review.plan", "plan_id")
        with pytest.raises((TypeError, ValueError)):
            build("1/../../admin")
