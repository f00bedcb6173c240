"""The pipeline reads events in the shapes AWS documents, and the local stack delivers exactly those shapes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

import pytest
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventBridgeNotificationEvent

from pressroom.events import normalize_sequencer, parse_body
from pressroom.local import Stack
from pressroom.local.moto_gaps import encode_key
from pressroom.publish import affected_by
from tests import events
from tests.conftest import article
from tests.pipeline.helpers import is_tombstone, table_state
from tests.s3keys import S3KeyLog

ODD_NAMES = [
    "articles/port strike ends.md", "articles/c++ tips+tricks.md", "articles/q&a (part 2).md",
    "articles/100% true.md", "articles/it's news.md", "articles/café notes.md", "articles/qarabağ.md",
    "articles/bərpa işləri.md", "articles/a%2Bb.md", "articles/Новости порта.md",
]


def _s3_event(name: str, key: str, **object_fields: Any) -> dict[str, Any]:
    """A documented S3 event with our key (encoded the way S3 encodes keys) and bucket."""
    event = events.load(name)
    event["detail"]["object"]["key"] = quote_plus(key, safe="/")
    event["detail"]["object"].update(object_fields)
    return event


# --- the documented shapes, parsed --------------------------------------------------------------------

def test_the_documented_object_created_event_is_a_put_of_its_key() -> None:
    event = parse_body(json.dumps(events.load("s3_object_created")))
    assert event is not None
    assert (event.key, event.action) == ("example-key", "put")
    assert event.sequencer == normalize_sequencer("617f08299329d189")
    assert (event.etag, event.version_id) == ("b1946ac92492d2347c6235b4d2611184", "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e")


@pytest.mark.parametrize("name", ["s3_object_deleted_delete_marker", "s3_object_deleted_permanently"])
def test_both_documented_deletes_are_deletes_of_their_key(name: str) -> None:
    event = parse_body(json.dumps(events.load(name)))
    assert event is not None
    assert (event.key, event.action, event.sequencer) == ("example-key", "delete", normalize_sequencer("617f0837b476e463"))


@pytest.mark.parametrize("key", ODD_NAMES)
def test_an_encoded_key_is_decoded_exactly_once_as_powertools_decodes_it(key: str) -> None:
    data = _s3_event("s3_object_created", key)
    event = parse_body(json.dumps(data))
    assert event is not None
    assert event.key == key == S3EventBridgeNotificationEvent(data).detail.object.key


def test_a_literal_percent_escape_in_a_name_survives_decoding() -> None:
    # S3 sends `a%2Bb.md` as `a%252Bb.md`: decoding twice would turn it into `a+b.md`, then `a b.md`
    event = parse_body(json.dumps(_s3_event("s3_object_created", "articles/a%2Bb.md")))
    assert event is not None and event.key == "articles/a%2Bb.md"


def test_the_local_stack_encodes_keys_as_s3_does() -> None:
    assert encode_key("articles/port strike ends.md") == "articles/port+strike+ends.md"
    assert encode_key("articles/c++.md") == "articles/c%2B%2B.md"
    assert encode_key("articles/café.md") == "articles/caf%C3%A9.md"


def test_the_documented_stream_records_touch_no_listing() -> None:
    records = events.load("dynamodb_stream")["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert not affected_by(records).any_change  # the example table holds no posts


def _post_image(slug: str, date: str, tags: list[str]) -> dict[str, Any]:
    return {"pk": {"S": f"POST#{slug}"}, "sk": {"S": "POST"}, "slug": {"S": slug}, "title": {"S": slug.title()},
            "date": {"S": date}, "tags": {"L": [{"S": t} for t in tags]}, "source_key": {"S": f"articles/{slug}.md"}}


def test_documented_stream_records_of_posts_name_the_listings_they_touch() -> None:
    # given: the documented INSERT, MODIFY and REMOVE envelopes around images of posts
    data = events.load("dynamodb_stream")
    insert, modify, remove = data["Records"]
    insert["dynamodb"]["NewImage"] = _post_image("new", "2026-03-01T10:00:00+00:00", ["port"])
    modify["dynamodb"]["OldImage"] = _post_image("moved", "2026-01-05T10:00:00+00:00", ["rail"])
    modify["dynamodb"]["NewImage"] = _post_image("moved", "2026-02-05T10:00:00+00:00", ["rail"])
    remove["dynamodb"]["OldImage"] = _post_image("gone", "2025-12-24T10:00:00+00:00", [])

    # when
    found = affected_by(data["Records"])

    # then: old and new images both count
    assert found.months == {(2026, 3), (2026, 1), (2026, 2), (2025, 12)}
    assert found.tags == {"port", "rail"}
    assert found.tag_years == {("port", 2026), ("rail", 2026)}


# --- the documented shapes, through the local stack --------------------------------------------------

def test_the_documented_events_publish_and_delete_through_the_local_stack(stack: Stack) -> None:
    # given: an upload whose own event is set aside
    key = "articles/port strike ends.md"
    s3 = stack.client("s3")
    stack.upload(key, article("Port strike ends", "2026-03-02"), wait=False)
    stack.take_events()
    head = s3.head_object(Bucket=stack.content_bucket, Key=key)

    # when: the S3 user guide's Object Created example, naming this upload, arrives
    created = _s3_event("s3_object_created", key, etag=head["ETag"].strip('"'), size=head["ContentLength"],
                        **{"version-id": head["VersionId"], "sequencer": "7000000000000001"})
    created["detail"]["bucket"]["name"] = stack.content_bucket
    response = stack.deliver([json.dumps(created)])

    # then
    assert response == {"batchItemFailures": []}
    stack.settle()
    assert stack.site_object("posts/port-strike-ends/index.html") is not None
    assert b"Port strike ends" in stack.site_object("index.html")
    assert stack.report(key)["key"] == key

    # when: the object is deleted and the guide's delete-marker example names it
    stack.delete(key, wait=False)
    stack.take_events()
    deleted = _s3_event("s3_object_deleted_delete_marker", key, sequencer="7000000000000002")
    deleted["detail"]["bucket"]["name"] = stack.content_bucket
    stack.deliver([json.dumps(deleted)])
    stack.settle()

    # then
    assert is_tombstone(stack, "posts/port-strike-ends/index.html")
    assert b"Port strike ends" not in stack.site_object("index.html")
    assert stack.report(key) is None


def test_the_render_function_takes_the_documented_sqs_record(stack: Stack) -> None:
    # given
    key = "articles/café notes.md"
    stack.upload(key, article("Café notes", "2026-03-02"), wait=False)
    (body,) = stack.take_events()
    sqs_event = events.load("sqs_record")
    sqs_event["Records"][0]["body"] = body

    # when
    response = stack.functions["RenderFunction"].invoke(sqs_event)
    stack.settle()

    # then
    assert response == {"batchItemFailures": []}
    assert b"Caf\xc3\xa9 notes" in stack.site_object("posts/cafe-notes/index.html")


def test_the_index_function_takes_the_documented_stream_records(stack: Stack) -> None:
    response = stack.functions["IndexFunction"].invoke(events.load("dynamodb_stream"))
    assert response == {"written": 0}


# --- what the local stack sends is AWS's shape --------------------------------------------------------

def test_events_from_the_local_stack_have_the_shape_s3_gives_them(stack: Stack) -> None:
    # given
    key = "articles/q&a (part 2).md"
    stack.upload(key, article("Q and A", "2026-03-02"), wait=False)
    stack.upload(key, article("Q and A, edited", "2026-03-02"), wait=False)
    stack.delete(key, wait=False)

    # when
    created, edited, deleted = (json.loads(b) for b in stack.take_events())

    # then
    for event in (created, edited, deleted):
        obj = event["detail"]["object"]
        assert obj["key"] == "articles/q%26a+%28part+2%29.md"
        assert "etag" in obj and "eTag" not in obj
        assert event["detail"]["bucket"]["name"] == stack.content_bucket
    sequencers = [normalize_sequencer(e["detail"]["object"]["sequencer"]) for e in (created, edited, deleted)]
    assert sequencers == sorted(set(sequencers))
    assert [e["detail"]["reason"] for e in (created, edited, deleted)] == ["PutObject", "PutObject", "DeleteObject"]
    assert deleted["detail-type"] == "Object Deleted"
    assert deleted["detail"]["deletion-type"] == "Delete Marker Created"
    assert "size" in created["detail"]["object"] and "size" not in deleted["detail"]["object"]
    assert created["id"] != edited["id"]


def test_the_local_stack_hands_lambda_sqs_records_with_their_attributes(stack: Stack,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    seen: list[dict[str, Any]] = []
    function = stack.functions["RenderFunction"]
    real = function.invoke

    def spy(event: dict[str, Any]) -> Any:
        seen.extend(event["Records"])
        return real(event)

    monkeypatch.setattr(function, "invoke", spy)
    documented = set(events.load("sqs_record")["Records"][0])
    documented_attributes = set(events.load("sqs_record")["Records"][0]["attributes"])

    # when: one message through the queue, one delivered explicitly
    stack.upload("articles/a.md", article("A", "2026-03-02"))
    stack.upload("articles/b.md", article("B", "2026-03-02"), wait=False)
    stack.deliver(stack.take_events())

    # then
    assert len(seen) == 2
    for record in seen:
        assert set(record) == documented
        assert set(record["attributes"]) == documented_attributes
        assert int(record["attributes"]["ApproximateReceiveCount"]) >= 1


def test_deliver_refuses_an_s3_event_in_motos_shape(stack: Stack) -> None:
    moto_shaped = {"source": "aws.s3", "detail-type": "Object Created",
                   "detail": {"object": {"key": "articles/a b.md", "eTag": "x", "sequencer": "617f08299329d189"}}}
    with pytest.raises(ValueError, match="moto's shape"):
        stack.deliver([json.dumps(moto_shaped)])


def test_an_aws_shaped_upload_with_a_space_leaves_no_phantom_row(stack: Stack) -> None:
    stack.upload("articles/port strike ends.md", article("Port strike ends", "2026-03-02"))
    keys = {pk for pk, _ in table_state(stack) if pk.startswith("SRC#")}
    assert keys == {"SRC#articles/port strike ends.md"}


def test_a_key_passed_on_still_encoded_fails_the_suite(stack: Stack, s3_key_log: S3KeyLog,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a pipeline that forgets to decode the event's key
    from pressroom import events as event_module

    monkeypatch.setattr(event_module, "decode_key", lambda raw: raw)
    start = len(s3_key_log.calls)

    # when
    stack.upload("articles/port strike ends.md", article("Port strike ends", "2026-03-02"))

    # then: the guard every test runs under names the encoded key
    mistakes = s3_key_log.mistakes(since=start)
    s3_key_log.forget(start)  # this test's mistakes are on purpose
    assert ("GetObject", stack.content_bucket, "articles/port+strike+ends.md") in mistakes
