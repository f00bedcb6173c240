"""The local stack's fixes to moto behave like AWS where the pipeline can see it."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from pressroom.local import Stack, moto_gaps


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


# --- Query: the partition walk answers as moto's own Query does ------------------------------------------

STRING_KEYS = sorted({"".join(p) for n in (1, 2, 3) for p in itertools.product("ab#", repeat=n)})
NUMBER_KEYS = ["-3", "-1.5", "0", "1", "1.5", "2", "10", "10.25", "100"]
# key condition values: every stored key plus some that fall before, between and after them
STRING_PROBES = STRING_KEYS + ["!", "0", "aa#b", "ab#a", "b#b#", "bz", "c", "é"]
NUMBER_PROBES = NUMBER_KEYS + ["-10", "-2", "0.5", "1.25", "5", "99.99", "1000"]
TABLES = {"gaps-query-s": ("S", STRING_KEYS, STRING_PROBES), "gaps-query-n": ("N", NUMBER_KEYS, NUMBER_PROBES)}
PARTITIONS = ["P", "Q", "R", "EMPTY"]


def create_table(db: Any, name: str, sort_type: str = "S") -> None:
    db.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                          {"AttributeName": "sk", "AttributeType": sort_type}])


def put_items(db: Any, name: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        db.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]})


@contextmanager
def motos_own_query() -> Iterator[None]:
    """Queries inside answered by moto's original Table.query instead of the partition walk."""
    patched = Table.query
    Table.query = moto_gaps.original_query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = patched  # type: ignore[method-assign]


def query_pages(db: Any, request: dict[str, Any], *, by_moto: bool, max_pages: int = 80) -> list[dict[str, Any]]:
    """Every page of a query, following LastEvaluatedKey (or the error it ends in)."""
    request, pages = dict(request), []
    while len(pages) < max_pages:
        try:
            with motos_own_query() if by_moto else nullcontext():
                page = db.query(**request)
        except ClientError as error:
            pages.append({"error": error.response["Error"]})
            break
        page.pop("ResponseMetadata", None)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return pages


@pytest.fixture(scope="module")
def query_tables(session_stack: Stack) -> Iterator[Any]:
    """Two tables (string and number sort keys): partition P holds every key, Q every third, R one."""
    db = session_stack.client("dynamodb")
    for name, (sort_type, keys, _) in TABLES.items():
        create_table(db, name, sort_type)
        items = []
        for pk, chosen in (("P", keys), ("Q", keys[::3]), ("R", keys[1:2])):
            items += [{"pk": {"S": pk}, "sk": {sort_type: k}, "n": {"N": str(i)}, "tag": {"S": f"t{i % 3}"}}
                      for i, k in enumerate(chosen)]
        put_items(db, name, items)
    yield db
    for name in TABLES:
        db.delete_table(TableName=name)


@st.composite
def queries(draw: st.DrawFn) -> dict[str, Any]:
    """A Query of one of the tables: any key condition, limit, direction, start key, filter and projection."""
    table = draw(st.sampled_from(sorted(TABLES)))
    sort_type, _, probes = TABLES[table]
    value = st.sampled_from(probes).map(lambda v: {sort_type: v})
    pk = draw(st.sampled_from(PARTITIONS))
    values: dict[str, Any] = {":pk": {"S": pk}}
    condition = "pk = :pk"
    operators = [None, "=", "<", "<=", ">", ">=", "BETWEEN"] + (["begins_with"] if sort_type == "S" else [])
    operator = draw(st.sampled_from(operators))
    if operator == "begins_with":
        condition += " AND begins_with(sk, :v)"
        values[":v"] = draw(value)
    elif operator == "BETWEEN":
        low, high = sorted([draw(value), draw(value)], key=lambda v: Decimal(v["N"]) if "N" in v else v["S"])
        condition += " AND sk BETWEEN :lo AND :hi"
        values[":lo"], values[":hi"] = low, high
    elif operator:
        condition += f" AND sk {operator} :v"
        values[":v"] = draw(value)
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": condition,
                               "ScanIndexForward": draw(st.booleans())}
    if draw(st.booleans()):
        request["Limit"] = draw(st.integers(1, 7))
    if draw(st.booleans()):
        request["FilterExpression"] = "n >= :f OR tag = :t"
        values[":f"], values[":t"] = {"N": str(draw(st.integers(0, 40)))}, {"S": "t1"}
    if draw(st.booleans()):
        request["ProjectionExpression"] = "#k, n"
        request["ExpressionAttributeNames"] = {"#k": "sk"}
    if draw(st.booleans()):
        request["ExclusiveStartKey"] = {"pk": {"S": pk}, "sk": draw(value)}
    request["ExpressionAttributeValues"] = values
    return request


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=queries())
def test_a_query_gets_the_pages_motos_own_query_gets(query_tables: Any, request: dict[str, Any]) -> None:
    # given: the query tables and a drawn query
    # when
    walked = query_pages(query_tables, request, by_moto=False)
    by_moto = query_pages(query_tables, request, by_moto=True)

    # then: the same items in the same order, the same counts and the same LastEvaluatedKey on every page
    assert walked == by_moto


MUTATION_QUERIES = [
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "P"}}},
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "P"}},
     "ScanIndexForward": False, "Limit": 2},
    {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":v": {"S": "b"}}, "Limit": 3},
    {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":lo": {"S": "a"}, ":hi": {"S": "b#"}}, "Limit": 2},
    {"KeyConditionExpression": "pk = :pk AND sk > :v",
     "ExpressionAttributeValues": {":pk": {"S": "NEW"}, ":v": {"S": "a"}}},
]


def test_a_partitions_key_order_follows_puts_deletes_and_cancelled_transactions(session_stack: Stack) -> None:
    # given: a table already queried once, so its partitions keep their key order
    db, name = session_stack.client("dynamodb"), "gaps-query-changes"
    create_table(db, name)
    try:
        put_items(db, name, [{"pk": {"S": "P"}, "sk": {"S": k}} for k in ("a", "b", "c", "d")])
        query_pages(db, {"TableName": name, **MUTATION_QUERIES[0]}, by_moto=False)
        changes = [
            lambda: db.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": "ba"}}),
            lambda: db.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": "b"}, "v": {"S": "again"}}),
            lambda: db.delete_item(TableName=name, Key={"pk": {"S": "P"}, "sk": {"S": "a"}}),
            lambda: db.delete_item(TableName=name, Key={"pk": {"S": "P"}, "sk": {"S": "zz"}}),
            lambda: db.put_item(TableName=name, Item={"pk": {"S": "NEW"}, "sk": {"S": "b"}}),
            lambda: db.update_item(TableName=name, Key={"pk": {"S": "P"}, "sk": {"S": "bb"}},
                                   UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
            lambda: db.transact_write_items(TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "P"}, "sk": {"S": "aa"}}}},
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "P"}, "sk": {"S": "c"}}}},
                {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "P"}, "sk": {"S": "nothing"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
            ]),
            lambda: db.transact_write_items(TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "P"}, "sk": {"S": "0"}}}},
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "P"}, "sk": {"S": "d"}}}},
            ]),
        ]
        for change in changes:
            # when
            try:
                change()
            except ClientError as error:
                assert error.response["Error"]["Code"] == "TransactionCanceledException"

            # then
            for query in MUTATION_QUERIES:
                request = {"TableName": name, **query}
                assert query_pages(db, request, by_moto=False) == query_pages(db, request, by_moto=True)
        keys = [i["sk"]["S"] for i in db.query(TableName=name, **MUTATION_QUERIES[0])["Items"]]
        assert keys == ["0", "b", "ba", "bb", "c"]
    finally:
        db.delete_table(TableName=name)


LARGE = "x" * 350_000  # three such items pass DynamoDB's 1 MB page


@pytest.mark.parametrize("query", [
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "P"}}},
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "P"}},
     "ScanIndexForward": False},
    {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":lo": {"S": "k1"}, ":hi": {"S": "k2"}}},
    {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":lo": {"S": "k1b"}, ":hi": {"S": "k2"}}},
    {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":lo": {"S": "k1"}, ":hi": {"S": "k3"}}},
    {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi", "ScanIndexForward": False,
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":lo": {"S": "k2"}, ":hi": {"S": "k3"}}},
    {"KeyConditionExpression": "pk = :pk AND sk <= :v",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":v": {"S": "k1"}}, "Limit": 2},
    {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
     "ExpressionAttributeValues": {":pk": {"S": "P"}, ":v": {"S": "k"}}, "Limit": 3},
], ids=["all", "all-backwards", "two-then-more", "one-then-more", "three", "two-backwards", "limit-met", "limit-over-page"])
def test_a_query_stops_at_the_page_size_where_motos_own_query_stops(session_stack: Stack,
                                                                    query: dict[str, Any]) -> None:
    # given: six items of 350 KB with small ones between, so a page fills before the partition ends, also
    # after the items that match (moto goes on weighing those that follow)
    db, name = session_stack.client("dynamodb"), "gaps-query-large"
    create_table(db, name)
    try:
        for i in range(6):
            db.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": f"k{i}"}, "body": {"S": LARGE}})
        for key in ("k1a", "k2a", "k9"):
            db.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": key}})
        request = {"TableName": name, **query}

        # when
        walked = query_pages(db, request, by_moto=False)

        # then
        assert walked == query_pages(db, request, by_moto=True)
    finally:
        db.delete_table(TableName=name)


@contextmanager
def counting_item_reads() -> Iterator[Counter[str]]:
    """Counts the reads of stored values (every key comparison and hash goes through one) and item sizes."""
    counts: Counter[str] = Counter()
    cast_value, size = DynamoType.cast_value, Item.size

    def counted_cast(self: DynamoType) -> Any:
        counts["value reads"] += 1
        return cast_value.fget(self)  # type: ignore[attr-defined]

    def counted_size(self: Item) -> int:
        counts["items sized"] += 1
        return size(self)

    DynamoType.cast_value = property(counted_cast)  # type: ignore[assignment, method-assign]
    Item.size = counted_size  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        DynamoType.cast_value = cast_value  # type: ignore[method-assign]
        Item.size = size  # type: ignore[method-assign]


def test_a_querys_cost_does_not_depend_on_the_size_of_other_partitions(session_stack: Stack) -> None:
    # given: two tables holding the same small partition, next to 10 or 1,000 other items
    db = session_stack.client("dynamodb")
    requests = [
        {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "P"}},
         "ScanIndexForward": False, "Limit": 2},
        {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
         "ExpressionAttributeValues": {":pk": {"S": "P"}, ":lo": {"S": "b"}, ":hi": {"S": "d"}}},
        {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
         "ExpressionAttributeValues": {":pk": {"S": "P"}, ":v": {"S": "c"}}},
    ]
    work: dict[tuple[int, bool], Counter[str]] = {}
    for others in (10, 1000):
        name = f"gaps-query-cost-{others}"
        create_table(db, name)
        try:
            items = [{"pk": {"S": "P"}, "sk": {"S": k}} for k in ("a", "b", "c", "ca", "d")]
            items += [{"pk": {"S": "FEED"}, "sk": {"S": f"{i:05d}"}} for i in range(others // 2)]
            items += [{"pk": {"S": f"POST#{i}"}, "sk": {"S": "POST"}} for i in range(others - others // 2)]
            put_items(db, name, items)

            # when
            for by_moto in (False, True):
                with counting_item_reads() as counts:
                    for request in requests:
                        query_pages(db, {"TableName": name, **request}, by_moto=by_moto)
                work[others, by_moto] = counts
        finally:
            db.delete_table(TableName=name)

    # then: the same work for the same partition, where moto's own query reads every item of the table
    assert work[10, False] == work[1000, False]
    assert work[1000, True]["value reads"] > 10 * work[10, True]["value reads"]


def test_an_object_stored_directly_reads_back_as_one_put_through_the_api(stack: Stack) -> None:
    from pressroom.local.moto_gaps import put_object_directly

    # given: the same object put both ways
    s3, bucket = stack.client("s3"), stack.site_bucket
    headers = {"content_type": "text/html; charset=utf-8", "cache_control": "public, max-age=60"}
    metadata = {"content-sha256": "abc", "location": "/posts/x/"}
    s3.put_object(Bucket=bucket, Key="api/index.html", Body=b"<p>x</p>", ContentType=headers["content_type"],
                  CacheControl=headers["cache_control"], Metadata=metadata)

    # when
    version_id, etag = put_object_directly(bucket, "direct/index.html", b"<p>x</p>", metadata=metadata, **headers)

    # then
    fields = ("ContentType", "CacheControl", "Metadata", "ETag", "ContentLength")
    api, direct = (s3.head_object(Bucket=bucket, Key=k) for k in ("api/index.html", "direct/index.html"))
    assert {f: api[f] for f in fields} == {f: direct[f] for f in fields}
    assert (direct["VersionId"], direct["ETag"].strip('"')) == (version_id, etag)
    assert s3.get_object(Bucket=bucket, Key="direct/index.html")["Body"].read() == b"<p>x</p>"


def test_items_stored_directly_are_read_and_streamed_as_written_through_the_api(stack: Stack) -> None:
    from pressroom.index import to_item
    from pressroom.local import REGION
    from pressroom.local.moto_gaps import put_items_directly

    db = stack.client("dynamodb")
    item = {"pk": "FEED", "sk": "2026-03-01T00:00:00Z#a", "title": "A", "tags": ["port"]}
    stack.skip_stream()
    put_items_directly(REGION, stack.posts_table, [to_item(item)])
    stored = db.get_item(TableName=stack.posts_table, Key=to_item({"pk": "FEED", "sk": item["sk"]}))["Item"]
    assert stored == to_item(item)
    assert stack._read_stream("PostsTable")[0]["eventName"] == "INSERT"


def test_items_stored_directly_without_their_stream_records_leave_the_stream_as_it_was(stack: Stack) -> None:
    from pressroom.index import to_item
    from pressroom.local import REGION
    from pressroom.local.moto_gaps import put_values_directly

    db = stack.client("dynamodb")
    stack.skip_stream()
    put_values_directly(REGION, stack.posts_table, [{"pk": "FEED", "sk": f"s#{i}"} for i in range(3)])
    assert stack._read_stream("PostsTable") == []
    assert db.get_item(TableName=stack.posts_table, Key=to_item({"pk": "FEED", "sk": "s#2"}))["Item"]

    # and a write through the API afterwards still has its record
    db.put_item(TableName=stack.posts_table, Item=to_item({"pk": "FEED", "sk": "s#9"}))
    assert [r["eventName"] for r in stack._read_stream("PostsTable")] == ["INSERT"]


_VALUES = st.recursive(
    st.none() | st.booleans() | st.text(max_size=20) | st.integers(min_value=-(10**40), max_value=10**40)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000)
    | st.frozensets(st.text(min_size=1, max_size=5), min_size=1, max_size=3).map(set) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=4)
    | st.tuples(inner, inner),
    max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attrs=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda n: n not in ("pk", "sk")), _VALUES,
                             max_size=6),
       sk=st.text(max_size=30) | st.sampled_from(["x" * 1024, "x" * 1025, "é" * 513]))
def test_items_stored_from_plain_values_read_back_as_written_through_the_api(stack: Stack, attrs: dict[str, Any],
                                                                              sk: str) -> None:
    from pressroom.index import to_item
    from pressroom.local import REGION
    from pressroom.local.moto_gaps import put_values_directly

    # given: an item of any kind of value, with any sort key (empty and over DynamoDB's limit among them)
    db = stack.client("dynamodb")
    values = {"pk": "PLAIN", "sk": sk, **attrs}

    # when it is written through the API, then from plain values
    try:
        db.put_item(TableName=stack.posts_table, Item=to_item(values))
    except (ClientError, TypeError, ValueError, ArithmeticError) as refused:
        # then: what the API refuses is refused from plain values too
        with pytest.raises(Exception) as also:  # noqa: PT011 - moto's own exception, or boto3's
            put_values_directly(REGION, stack.posts_table, [values])
        assert type(refused) is ClientError or type(also.value) is type(refused)
        return
    through_api = db.get_item(TableName=stack.posts_table, Key=to_item({"pk": "PLAIN", "sk": sk}))["Item"]
    db.delete_item(TableName=stack.posts_table, Key=to_item({"pk": "PLAIN", "sk": sk}))
    put_values_directly(REGION, stack.posts_table, [values])

    # then: it reads back the same, by GetItem and by Query
    key = to_item({"pk": "PLAIN", "sk": sk})
    assert db.get_item(TableName=stack.posts_table, Key=key)["Item"] == through_api
    found = db.query(TableName=stack.posts_table, KeyConditionExpression="pk = :p AND sk = :s",
                     ExpressionAttributeValues={":p": key["pk"], ":s": key["sk"]})["Items"]
    assert found == [through_api]
    db.delete_item(TableName=stack.posts_table, Key=key)


def test_an_item_from_plain_values_over_dynamodbs_size_is_refused(stack: Stack) -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge

    from pressroom.local import REGION
    from pressroom.local.moto_gaps import put_values_directly

    with pytest.raises(ItemSizeTooLarge):
        put_values_directly(REGION, stack.posts_table, [{"pk": "BIG", "sk": "1", "body": ["x" * 100_000] * 5}])


@pytest.mark.parametrize("size", [1_000, 399_000, 404_000, 405_001, 500_000])
def test_an_items_size_is_refused_where_motos_own_check_refuses_it(size: int) -> None:
    # given: an item of one big attribute and a few small ones, built by the patched Item and by moto's own
    moto_gaps.apply_linear_item_size_check()
    attrs = {"pk": {"S": "P"}, "sk": {"S": "S"}, "n": {"N": "12"}, "tags": {"SS": ["a", "b"]},
             "body": {"S": "x" * size}}

    def build(init: Any) -> Item | type[Exception]:
        item = Item.__new__(Item)
        try:
            init(item, DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)
        except Exception as exc:  # noqa: BLE001 - the outcome compared is the exception's type
            return type(exc)
        return item

    # when
    patched, original = build(Item.__init__), build(moto_gaps._original_item_init)

    # then: the same refusal, or the same stored attributes
    if isinstance(original, type):
        assert patched is original
    else:
        assert isinstance(patched, Item)
        assert patched.to_json() == original.to_json()
        assert patched.size() == original.size()


def test_concurrent_conditional_transactions_are_serializable_as_in_dynamodb(stack: Stack) -> None:
    # given: a counter that each of many threads bumps with a transaction conditioned on the value it read
    import threading

    db, table = stack.client("dynamodb"), stack.posts_table
    key = {"pk": {"S": "TEST"}, "sk": {"S": "COUNTER"}}
    db.put_item(TableName=table, Item={**key, "n": {"N": "0"}})
    won: list[int] = []

    def bump() -> None:
        for _ in range(20):
            seen = db.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"]
            try:
                db.transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": key, "UpdateExpression": "SET n = :next",
                                "ConditionExpression": "n = :seen",
                                "ExpressionAttributeValues": {":seen": {"N": seen}, ":next": {"N": str(int(seen) + 1)}}}},
                    {"Put": {"TableName": table, "Item": {"pk": {"S": "TEST"}, "sk": {"S": f"BY#{seen}"}}}}])
            except db.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                assert set(reasons) <= {"None", "ConditionalCheckFailed", None}, reasons  # never half-applied
            else:
                won.append(int(seen))

    # when: the threads switch as often as the interpreter allows, so that moto's steps interleave
    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=bump) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(interval)

    # then: every success moved the counter by one from the value it saw, and wrote its own item
    final = int(db.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"])
    assert sorted(won) == list(range(final))
    items = db.query(TableName=table, KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
                     ExpressionAttributeValues={":p": {"S": "TEST"}, ":b": {"S": "BY#"}})["Items"]
    assert len(items) == final


def test_sessions_share_one_copy_of_the_endpoint_tables_and_still_resolve_endpoints(stack: Stack) -> None:
    import boto3

    # given: the stack has applied its fixes in this process
    first, second = boto3.session.Session(), boto3.session.Session()

    # then: both sessions read the same parsed endpoints table
    loads = [s._session.get_component("data_loader").load_data_with_path("endpoints") for s in (first, second)]
    assert loads[0][0] is loads[1][0]

    # and: clients made from either still resolve each service's and region's own endpoint
    for session, region in ((first, "eu-central-1"), (second, "ap-southeast-1")):
        client = session.client("s3", region_name=region, aws_access_key_id="any", aws_secret_access_key="any")
        assert client.meta.endpoint_url == f"https://s3.{region}.amazonaws.com"
    dynamodb = second.client("dynamodb", region_name="cn-north-1", aws_access_key_id="any",
                             aws_secret_access_key="any")
    assert dynamodb.meta.endpoint_url == "https://dynamodb.cn-north-1.amazonaws.com.cn"


_ATTRIBUTE_VALUES = st.recursive(
    st.fixed_dictionaries({"S": st.text(max_size=12)}) | st.fixed_dictionaries({"N": st.sampled_from(["0", "-1.5", "1e3"])})
    | st.fixed_dictionaries({"BOOL": st.booleans()}) | st.fixed_dictionaries({"NULL": st.just(True)})
    | st.fixed_dictionaries({"SS": st.lists(st.text(max_size=5), min_size=1, max_size=3, unique=True)})
    | st.fixed_dictionaries({"NS": st.lists(st.sampled_from(["1", "2.5", "-3"]), min_size=1, max_size=3, unique=True)})
    | st.fixed_dictionaries({"B": st.sampled_from(["AAE=", "aGk="])})
    # shapes moto's own serializer must take: a number or None where a string goes, a member AWS has not
    | st.fixed_dictionaries({"S": st.integers()}) | st.fixed_dictionaries({"N": st.none()})
    | st.fixed_dictionaries({"s": st.text(max_size=3)}) | st.just({}),
    lambda inner: st.fixed_dictionaries({"M": st.dictionaries(st.text(max_size=4), inner, max_size=3)})
    | st.fixed_dictionaries({"L": st.lists(inner | st.none(), max_size=3)}),
    max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.dictionaries(st.text(min_size=1, max_size=6), _ATTRIBUTE_VALUES, max_size=5), max_size=3),
       operation=st.sampled_from(["Query", "GetItem", "BatchGetItem", "Scan"]))
def test_items_in_a_response_are_written_as_motos_own_serializer_writes_them(items: list[dict[str, Any]],
                                                                            operation: str) -> None:
    from moto.core.serialize import BaseJSONSerializer, JSONSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    moto_gaps.apply_direct_attribute_values()
    # given: a response holding these items, as each operation shapes it
    result: dict[str, Any] = {
        "Query": {"Items": items, "Count": len(items), "ScannedCount": len(items)},
        "Scan": {"Items": items, "Count": len(items), "ScannedCount": len(items)},
        "GetItem": {"Item": items[0] if items else {}},
        "BatchGetItem": {"Responses": {"posts": items}, "UnprocessedKeys": {}},
    }[operation]
    model = get_service_model("dynamodb").operation_model(operation)

    def written() -> Any:
        return JSONSerializer(operation_model=model, value_picker=XFormedAttributePicker()).serialize(result)

    # when: it is written directly, and by moto's own serializer
    direct = written()
    patched = BaseJSONSerializer._serialize_type_structure
    BaseJSONSerializer._serialize_type_structure = moto_gaps.original_structure  # type: ignore[method-assign]
    try:
        own = written()
    finally:
        BaseJSONSerializer._serialize_type_structure = patched  # type: ignore[method-assign]

    # then: the bodies are the same, byte for byte
    assert direct == own


def test_the_server_knows_the_services_moto_has_without_listing_its_folder_per_request(stack: Stack) -> None:
    from moto import backends

    # given: the stack has applied its fixes in this process
    assert moto_gaps._module_list is not None
    original, _ = moto_gaps._module_list

    # then: the list of service modules is the one moto's own listing gives
    assert list(backends.list_of_moto_modules()) == list(original())
    assert {"s3", "dynamodb", "sqs", "events"} <= set(backends.list_of_moto_modules())

    # and: the server still finds each request's service, by its module name or its AWS host name
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    dispatcher = DomainDispatcherApplication(create_backend_app)
    assert dispatcher.get_backend_for_host("s3") == "s3"
    assert dispatcher.get_backend_for_host("dynamodb.eu-west-1.amazonaws.com") == "dynamodb"
