"""GeoPointField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import pytest

from baas.schema.fields import GeoPointField
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors

LATITUDE = {"code": "validation_invalid_latitude", "message": "Latitude must be between -90 and 90 degrees."}
LONGITUDE = {"code": "validation_invalid_longitude", "message": "Longitude must be between -180 and 180 degrees."}


def test_definition_has_only_common_keys():
    assert roundtrip({"name": "f_geo", "type": "geoPoint"}) == {
        "help": "",
        "hidden": False,
        "id": "geoPoint3407959178",
        "name": "f_geo",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "geoPoint",
    }
    assert (GeoPointField.filter_kind, GeoPointField.widget) == ("geo", "geoPoint")
    assert settings_errors(GeoPointField("g")) == {}


@pytest.mark.parametrize(
    ("raw", "lon", "lat"),
    [
        ({"lon": 10.5, "lat": 20.25}, 10.5, 20.25),
        ({"lat": 5}, 0, 5),
        ({"lon": 1}, 1, 0),
        ({"lon": "1.5", "lat": "2"}, 0, 0),
        ("x", 0, 0),
        ("3,4", 0, 0),
        ([1, 2], 0, 0),
        (None, 0, 0),
        ('{"lon":3,"lat":4}', 3, 4),
        ({"lon": 1, "lat": 2, "x": 3}, 1, 2),
        ({"LON": 5, "LAT": 6}, 0, 0),
        ({"lon": None, "lat": 1}, 0, 1),
        ({"lon": 2, "lat": None}, 2, 0),
        # the first non-numeric coordinate stops reading, in input order
        ({"lon": 1, "lat": "x"}, 1, 0),
        ({"lat": 1, "lon": "x"}, 0, 1),
        ({"lat": True, "lon": 1}, 0, 0),
        ({"lat": [1], "lon": 1}, 0, 0),
        ({"lon": True, "lat": 1}, 0, 0),
        ({"lon": 1, "lat": False}, 1, 0),
    ],
)
def test_prepare_reads_points_like_pocketbase(raw, lon, lat):
    assert GeoPointField("g").prepare(raw) == {"lon": lon, "lat": lat}


def test_validation():
    loc = GeoPointField("loc")
    assert check(loc, {"lon": 200, "lat": 100}) == LATITUDE  # latitude is checked first
    assert check(loc, {"lon": 200, "lat": 10}) == LONGITUDE
    assert check(loc, {"lon": 180.0001, "lat": 0}) == LONGITUDE
    assert check(loc, {"lon": -180, "lat": -90}) is None
    assert check(loc, {"lon": 0, "lat": 0}) is None


def test_required_means_not_the_origin():
    loc = GeoPointField("loc", required=True)
    assert check(loc, {"lon": 0, "lat": 0}) == check(loc, None) == check(loc, "x") == REQUIRED
    assert check(loc, {"lon": 1}) is None


def test_output_and_storage():
    field = GeoPointField("g")
    assert field.zero() == {"lon": 0, "lat": 0}
    assert field.to_api({"lon": 0.0, "lat": 0.0}) == {"lon": 0, "lat": 0}
    assert list(field.to_api({"lat": 20.25, "lon": 10.5})) == ["lon", "lat"]
    assert field.to_db({"lon": 10.5, "lat": 2.0}, SQLITE) == '{"lon":10.5,"lat":2}'
    assert field.to_db({"lon": 10.5, "lat": 2.0}, POSTGRES) == {"lon": 10.5, "lat": 2}
    assert field.from_db('{"lon":10.5,"lat":2}', SQLITE) == {"lon": 10.5, "lat": 2.0}
    assert field.from_db({"lon": 1, "lat": 2}, POSTGRES) == {"lon": 1.0, "lat": 2.0}
    assert field.from_db(None, SQLITE) == {"lon": 0, "lat": 0}


def test_columns():
    field = GeoPointField("g")
    assert field.column_ddl(SQLITE) == """JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL"""
    assert field.column_ddl(POSTGRES) == """JSONB DEFAULT '{"lon":0,"lat":0}' NOT NULL"""
    assert field.openapi_schema()["required"] == ["lon", "lat"]
    with pytest.raises(NotImplementedError):
        field.apply_modifier({"lon": 0, "lat": 0}, "+", {"lon": 1})
