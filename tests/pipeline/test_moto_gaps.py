"""The local stack's fixes to moto behave like AWS where the pipeline can see it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from pressroom.local import Stack


def test_delete_in_a_versioned_bucket_sends_an_object_deleted_event(stack: Stack) -> None:
    stack.upload("articles/a.md", b"---\ntitle: A\n---\nBody\n", wait=False)
    stack.delete("articles/a.md", wait=False)
    kinds = [__import__("json").loads(b)["detail-type"] for b in stack.take_events()]
    assert kinds == ["Object Created", "Object Deleted"]


def test_a_cancelled_transaction_changes_nothing_and_adds_no_stream_record(stack: Stack) -> None:
    # given
    db = stack.client("dynamodb")
    table = stack.posts_table
    db.put_item(TableName=table, Item={"pk": {"S": "A"}, "sk": {"S": "1"}, "v": {"S": "old"}})
    stack.skip_stream()

    # when: the first write would apply, the second one's condition fails
    with pytest.raises(ClientError) as failure:
        db.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "A"}, "sk": {"S": "1"}, "v": {"S": "new"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "B"}, "sk": {"S": "1"}},
                     "ConditionExpression": "attribute_exists(pk)"}},
        ])

    # then
    assert failure.value.response["Error"]["Code"] == "TransactionCanceledException"
    item = db.get_item(TableName=table, Key={"pk": {"S": "A"}, "sk": {"S": "1"}})["Item"]
    assert item["v"]["S"] == "old"
    assert "Item" not in db.get_item(TableName=table, Key={"pk": {"S": "B"}, "sk": {"S": "1"}})
    assert stack._read_stream("PostsTable") == []
