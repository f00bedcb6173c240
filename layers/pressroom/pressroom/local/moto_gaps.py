"""Where moto differs from AWS in a way the pipeline (or its cost) can see, the local stack closes the gap here."""

from __future__ import annotations

import bisect
import itertools
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from urllib.parse import quote_plus

_applied = False


def apply() -> None:
    """Close every gap this module knows of (idempotent)."""
    apply_delete_markers()
    apply_transaction_snapshots()
    apply_fast_queries()
    apply_direct_attribute_values()
    apply_linear_item_size_check()
    apply_s3_event_shape()
    apply_shared_botocore_data()
    apply_module_list_once()
    apply_one_table_operation_at_a_time()  # last: it wraps the patched methods too


# --- botocore's data files read once per process --------------------------------------------------------

_SHARED_DATA = frozenset({"endpoints", "partitions", "sdk-default-configuration"})
_shared_data: dict[tuple[Any, ...], Any] = {}
_shared_lock = threading.RLock()  # a model being loaded may read a shared table
_original_loader: tuple[Any, Any] | None = None


def apply_shared_botocore_data() -> None:
    """Parse botocore's endpoint tables and service models once per process, not once per session.

    Every boto3 session parses `endpoints.json` (about 0.1 s here) and the model of each service it makes
    a client for (EC2's, which moto's CloudFormation reads, takes 0.15 s); the local stack, its functions and
    moto's backends make a dozen sessions while the stack deploys. Those files are only read once loaded (a
    resolver or a client keeps what it derives from them), so sessions whose loaders search the same paths
    share one copy. `_retry.json` is not shared: a client merges its service's settings into it. Idempotent;
    it changes botocore in this process only.
    """
    global _original_loader
    if _original_loader is not None:
        return
    from botocore.loaders import Loader

    _original_loader = data_with_path, service_model = Loader.load_data_with_path, Loader.load_service_model

    def shared(key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
        with _shared_lock:
            found = _shared_data.get(key)
            if found is None:
                found = _shared_data[key] = load()
        return found

    def load_data_with_path(self: Any, name: str) -> Any:
        if name not in _SHARED_DATA:
            return data_with_path(self, name)
        return shared((name, tuple(self.search_paths)), lambda: data_with_path(self, name))

    def load_service_model(self: Any, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        key = ("model", service_name, type_name, api_version, tuple(self.search_paths))
        return shared(key, lambda: service_model(self, service_name, type_name, api_version))

    Loader.load_data_with_path = load_data_with_path
    Loader.load_service_model = load_service_model


# --- moto's server names its services from one listing of its package ---------------------------------

_module_list: tuple[Callable[[], Any], tuple[str, ...]] | None = None


def apply_module_list_once() -> None:
    """List moto's service modules once per process, not once per request.

    moto's server finds which backend a request is for by listing its own package folder and testing each
    entry with a stat, about 180 system calls and 1.3 ms of a HeadObject's 2.7 ms here, repeated for every
    request; the folder does not change while the process runs. Idempotent; it changes moto in this process
    only.
    """
    global _module_list
    if _module_list is not None:
        return
    from moto import backends

    original = backends.list_of_moto_modules
    names = tuple(original())
    _module_list = original, names
    backends.list_of_moto_modules = lambda: names


# --- S3 events on EventBridge, as S3 sends them --------------------------------------------------------

# Every object event gets the next number: per key that is S3's guarantee (a later change of a key has a
# larger sequencer), and across keys S3 promises nothing, so one counter for the process is faithful.
_sequencers = itertools.count(1)
EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"  # the MD5 of nothing: what S3 names for a deleted object
_REASONS = {
    "s3:ObjectCreated:Put": "PutObject", "s3:ObjectCreated:Post": "POST Object", "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject", "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
    "s3:LifecycleExpiration:Delete": "Lifecycle Expiration",
    "s3:LifecycleExpiration:DeleteMarkerCreated": "Lifecycle Expiration",
}


def next_sequencer() -> str:
    """A sequencer larger than every one handed out before, in S3's form (hexadecimal)."""
    return format(next(_sequencers), "016x")


def encode_key(key: str) -> str:
    """An object key as S3 writes it in event notifications: form-encoded (space -> `+`), `/` kept."""
    return quote_plus(key, safe="/")


def s3_event(detail_type: str, reason: str, *, bucket: str, region: str, account: str, key: str,
             size: int | None = None, etag: str = "", version_id: str | None = None,
             deletion_type: str = "") -> dict[str, Any]:
    """One S3 event on EventBridge, shaped like the examples of the S3 user guide ("EventBridge event
    message structure"): the key URL-encoded, `etag`, a real sequencer, `reason` and `deletion-type`."""
    obj: dict[str, Any] = {"key": encode_key(key)}
    if size is not None:
        obj["size"] = size
    obj["etag"] = etag or EMPTY_ETAG
    if version_id:
        obj["version-id"] = version_id
    obj["sequencer"] = next_sequencer()
    detail: dict[str, Any] = {
        "version": "0", "bucket": {"name": bucket}, "object": obj, "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account, "source-ip-address": "127.0.0.1", "reason": reason,
    }
    if deletion_type:
        detail["deletion-type"] = deletion_type
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "aws.s3", "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"], "detail": detail,
    }


def apply_s3_event_shape() -> None:
    """Send S3's EventBridge events in the shape S3 gives them.

    moto 5.2 sends the key as stored (S3 URL-encodes it), names the field `eTag` (S3: `etag`), gives every
    event the same sequencer and id, and leaves out `deletion-type`. A pipeline tested on that shape
    would never publish `articles/port strike ends.md` on AWS. Idempotent; it changes moto in this process only.
    """
    from moto.s3 import notifications

    if getattr(notifications._send_event_bridge_message, "pressroom_shape", False):
        return
    original = notifications._send_event_bridge_message

    def send(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
        detail_type = notifications._detail_type(event_name)
        if detail_type not in ("Object Created", "Object Deleted"):
            original(account_id, bucket, event_name, key)
            return
        removed = detail_type == "Object Deleted"
        deletion_type = ""
        if removed:
            deletion_type = "Delete Marker Created" if event_name.endswith("DeleteMarkerCreated") else "Permanently Deleted"
        event = s3_event(
            detail_type, _REASONS.get(event_name, event_name.split(":")[-1]), bucket=bucket.name,
            region=bucket.region_name, account=account_id, key=key.name,
            size=None if removed else getattr(key, "size", None),
            etag=str(getattr(key, "etag", "") or "").strip('"') if not removed else "",
            version_id=getattr(key, "version_id", None) if getattr(bucket, "is_versioned", False) else None,
            deletion_type=deletion_type,
        )
        from moto.events.models import events_backends

        # moto's event bus writes `time` itself, from epoch seconds, as S3 does (ISO 8601, no fraction)
        event["time"] = datetime.now(UTC).timestamp()
        backend = events_backends[account_id][bucket.region_name]
        for event_bus in backend.event_buses.values():
            for rule in event_bus.rules.values():
                rule.send_to_targets(event, transform_input=False)

    send.pressroom_shape = True  # type: ignore[attr-defined]
    notifications._send_event_bridge_message = send


def apply_delete_markers() -> None:
    """Send the "Object Deleted" event S3 sends when a delete marker is created in a versioned bucket.

    moto sends it only for unversioned buckets or when the last version is removed; the content bucket is
    versioned, so without this a delete made through any client would never reach the pipeline.
    Idempotent; it changes moto in this process only.
    """
    global _applied
    if _applied:
        return
    from moto.s3 import models, notifications

    original = models.S3Backend.delete_object

    def delete_object(self: Any, bucket_name: str, key_name: str, version_id: str | None = None,
                      bypass: bool = False) -> tuple[bool, dict[str, Any]]:
        bucket = self.get_bucket(bucket_name)
        current = bucket.keys.get(key_name) if hasattr(bucket, "keys") else None
        marks_delete = getattr(bucket, "is_versioned", False) and version_id is None and current is not None \
            and not isinstance(current, models.FakeDeleteMarker)
        result = original(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
        marker = bucket.keys.get(key_name) if marks_delete else None
        if isinstance(marker, models.FakeDeleteMarker):
            notifications.send_event(
                self.account_id, notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                bucket, marker,
            )
        return result

    models.S3Backend.delete_object = delete_object  # type: ignore[method-assign]
    _applied = True


_transactions_applied = False


def apply_transaction_snapshots() -> None:
    """Make moto's TransactWriteItems cost what the transaction touches, not what the table holds.

    moto backs up a whole table (items and stream records) with a deep copy before every transaction,
    so each one costs time and memory in proportion to the table: a 1,000-post site stops being testable.
    Here the backup keeps only the items the transaction names and the stream's length, and restores
    those when the transaction is cancelled, which is all a cancelled transaction can have changed.
    """
    global _transactions_applied
    if _transactions_applied:
        return
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class _NoTableCopy:
        """Stands in for the `copy` module inside moto's DynamoDB backend: tables are not copied."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []
        streams: dict[int, tuple[Any, int]] = {}
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            raw = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in raw:
                continue
            hash_key = DynamoType(raw[table.hash_key_attr])
            range_key = DynamoType(raw[table.range_key_attr]) if table.range_key_attr in raw else None
            current = table.get_item(hash_key, range_key)
            saved.append((table, hash_key, range_key, copy.deepcopy(current)))
            if table.stream_shard is not None:
                streams[id(table)] = (table, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                if range_key is None:
                    if item is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items[hash_key] = item
                elif item is None:
                    table.items[hash_key].pop(range_key, None)
                    if not table.items[hash_key]:
                        table.items.pop(hash_key, None)
                else:
                    table.items[hash_key][range_key] = item
            for table, length in streams.values():
                del table.stream_shard.items[length:]
            raise

    models.copy = _NoTableCopy()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _transactions_applied = True


# --- DynamoDB operations one at a time, as atomic as in AWS -----------------------------------------------

_TABLE_OPERATIONS = ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items",
                     "transact_get_items", "batch_get_item", "batch_write_item")
_serialized = False
_table_lock = threading.RLock()  # held by every table operation of moto's backend, and by a bulk write


def apply_one_table_operation_at_a_time() -> None:
    """Make each DynamoDB operation atomic under concurrent callers, as in AWS.

    moto's backend checks a write's condition, then changes the items, with nothing between two threads: two
    transactions at once can both pass their conditions, or one can fail half-applied (an AttributeError as
    cancellation reason), and a Query can walk a partition another write is changing. DynamoDB makes each
    write atomic and each transaction serializable; here a lock makes every table operation of moto's
    backend run alone (the functions' calls made at once, and concurrent invocations, still overlap in
    everything else).
    """
    global _serialized
    if _serialized:
        return
    import functools

    from moto.dynamodb import models

    def alone(method: Any) -> Any:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            with _table_lock:
                return method(*args, **kwargs)
        return run

    for name in _TABLE_OPERATIONS:
        method = getattr(models.DynamoDBBackend, name, None)
        if method is not None:
            setattr(models.DynamoDBBackend, name, alone(method))
    _serialized = True


# --- DynamoDB items whose size is summed once ---------------------------------------------------------

_original_item_init: Any = None


def apply_linear_item_size_check() -> None:
    """Make a moto Item cost what it holds once, not once per attribute.

    moto 5.2 stores an item's attributes in a dict that sums the size of every attribute it already holds
    each time one is added, to refuse an item over DynamoDB's 400 KB: a new item of n attributes costs n²
    size computations (a post of twenty attributes, several hundred). Here a new item's attributes are
    converted, summed once and refused by the same bound moto applies; a later change of one attribute is
    still checked by moto's dict. Idempotent; it changes moto in this process only.
    """
    global _original_item_init
    if _original_item_init is not None:
        return
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    _original_item_init = Item.__init__

    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        # moto's dict refuses the attribute that takes the sum above this; sizes only grow, so the last
        # addition decides, and it sees the sum of them all
        if sum(bytesize(key) + value.size() for key, value in values.items()) > _ITEM_SIZE_REFUSED:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)

    Item.__init__ = init


_ITEM_SIZE_REFUSED = 405_000  # moto.dynamodb.models.dynamo_type.LimitedSizeDict's bound


# --- DynamoDB queries that cost what they touch -------------------------------------------------------

# moto's own Table.query, kept for the fallback and so tests can compare the two on one table
original_query: Any = None
# DynamoDB's page limit, as moto applies it (moto.dynamodb.models.table.RESULT_SIZE_LIMIT)
_PAGE_BYTES = 1_000_000
# moto refuses an item above 405,000 bytes; the margin covers how its check and Item.size() count
_LARGEST_ITEM = 410_000
_COMPARISONS = {"=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "BETWEEN": 2, "BEGINS_WITH": 1}
_cast = itemgetter(0)


class SortedPartition(dict):  # type: ignore[type-arg]
    """One partition of a table with a range key (range key -> item) that knows its keys in moto's order.

    The order, (cast value, key) pairs sorted as moto sorts a partition, is built on the first query and
    then kept up to date by every insert and removal, so a query finds its first item by bisection.
    A change made any other way (update, clear, ...) drops the order, to be rebuilt by the next query.
    """

    __slots__ = ("_order",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._order: list[tuple[Any, Any]] | None = None

    def __reduce__(self) -> Any:
        # a copy (moto's backups) is refilled item by item through __setitem__, so it starts without an order
        return (SortedPartition, (), None, None, iter(self.items()))

    def order(self) -> list[tuple[Any, Any]]:
        if self._order is None:
            self._order = sorted(((key.cast_value, key) for key in self), key=_cast)
        return self._order

    def __setitem__(self, key: Any, value: Any) -> None:
        new = key not in self
        super().__setitem__(key, value)
        if new and self._order is not None:
            cast = key.cast_value
            self._order.insert(bisect.bisect_left(self._order, cast, key=_cast), (cast, key))

    def __delitem__(self, key: Any) -> None:
        self._forget(key)
        super().__delitem__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self._forget(key)
        return super().pop(key, *default)

    def _forget(self, key: Any) -> None:
        if self._order is None or key not in self:
            return
        cast = key.cast_value
        at = bisect.bisect_left(self._order, cast, key=_cast)
        if at < len(self._order) and self._order[at][0] == cast:
            del self._order[at]
        else:  # pragma: no cover - the order lost track somehow: rebuild it rather than trust it
            self._order = None

    def _drop_order(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self._order = None
        return getattr(super(), method)(*args, **kwargs)

    def popitem(self) -> Any:
        return self._drop_order("popitem")

    def clear(self) -> None:
        self._drop_order("clear")

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._drop_order("update", *args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return self._drop_order("setdefault", key, default)

    def __ior__(self, other: Any) -> SortedPartition:
        self._drop_order("__ior__", other)
        return self


def _partition(table: Any, hash_key: Any) -> SortedPartition | None:
    """The partition of `hash_key` as a SortedPartition (a plain one is converted once), None if empty."""
    items = table.items
    if getattr(items, "default_factory", None) is dict:
        items.default_factory = SortedPartition  # partitions created from now on keep their order
    found = items.get(hash_key)
    if found is None:
        return None
    if type(found) is dict:
        found = items[hash_key] = SortedPartition(found)
    return found


def _key_bounds(order: list[tuple[Any, Any]], comparison: str | None, values: list[Any]) -> tuple[int, int]:
    """The slice of `order` whose range keys satisfy the key condition (they are contiguous)."""
    left, right = bisect.bisect_left, bisect.bisect_right
    if comparison is None:
        return 0, len(order)
    value = values[0]
    if comparison == "=":
        return left(order, value, key=_cast), right(order, value, key=_cast)
    if comparison == "<":
        return 0, left(order, value, key=_cast)
    if comparison == "<=":
        return 0, right(order, value, key=_cast)
    if comparison == ">":
        return right(order, value, key=_cast), len(order)
    if comparison == ">=":
        return left(order, value, key=_cast), len(order)
    if comparison == "BETWEEN":
        low = left(order, value, key=_cast)
        return low, max(low, right(order, values[1], key=_cast))
    # BEGINS_WITH: cutting every key to the prefix's length keeps the order, and the keys that start with
    # the prefix are exactly those whose cut equals it
    size = len(value)

    def cut(entry: tuple[Any, Any]) -> Any:
        return entry[0][:size]

    return left(order, value, key=cut), right(order, value, key=cut)


def _handles(table: Any, hash_key: Any, comparison: str | None, range_objs: list[Any], limit: Any,
             start_key: Any, index_name: Any, hash_conditions: Any, range_conditions: Any,
             filter_kwargs: dict[str, Any]) -> bool:
    """Whether a query is one the partition walk answers exactly as moto would; moto answers the rest."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if index_name or filter_kwargs or table.range_key_attr is None or not isinstance(hash_key, DynamoType):
        return False
    if len(hash_conditions or ()) > 1 or len(range_conditions or ()) > 1:
        return False
    if range_conditions and range_conditions[0][0] != table.range_key_attr:
        return False
    if limit is not None and (type(limit) is not int or limit < 1):
        return False
    if comparison is not None:
        if _COMPARISONS.get(comparison) != len(range_objs):
            return False
        if any(value.type != table.range_key_type for value in range_objs):
            return False
        if comparison == "BEGINS_WITH" and table.range_key_type != "S":
            return False
    if start_key is not None:
        # moto skips to the start key by comparing each item with it; within the partition that is a bisection
        try:
            start_hash = DynamoType(start_key[table.hash_key_attr])
            start_range = DynamoType(start_key[table.range_key_attr])
        except (KeyError, IndexError, TypeError, AttributeError):
            return False
        if start_hash != hash_key or start_range.type != table.range_key_type:
            return False
    return True


def apply_fast_queries() -> None:
    """Make moto's DynamoDB Query cost what it returns, not what the table holds.

    moto 5.2 answers a Query on a table by sorting every item of the table, keeping the queried partition,
    sorting that again and walking it from the start, so each query into a 1,000-post index costs most of a
    publish. Here a query on the table itself (not an index) goes straight to its partition, whose range keys
    are kept sorted, bisects to the first key in the condition and the start key, and walks only as far as
    moto's loop would add items: the same items in the same order, the same LastEvaluatedKey (including
    moto's habit of giving one when the limit is met and any item follows, matching or not), the same page
    limit, then FilterExpression and ProjectionExpression as moto applies them. Queries on an index, with a
    QueryFilter, or with a condition or start key it does not recognise go to moto's own code.
    Idempotent; it changes moto in this process only.
    """
    global original_query
    if original_query is not None:
        return
    import copy

    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, range_comparison: str | None, range_objs: list[Any], limit: int,
              exclusive_start_key: dict[str, Any] | None, scan_index_forward: bool,
              projection_expressions: list[list[str]] | None, index_name: str | None = None,
              consistent_read: bool = False, filter_expression: Any = None,
              hash_key_conditions: list[Any] | None = None, range_key_conditions: list[Any] | None = None,
              **filter_kwargs: Any) -> tuple[list[Any], int, dict[str, Any] | None]:
        if not _handles(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, index_name,
                        hash_key_conditions, range_key_conditions, filter_kwargs):
            return original(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                            scan_index_forward, projection_expressions, index_name, consistent_read,
                            filter_expression, hash_key_conditions=hash_key_conditions,
                            range_key_conditions=range_key_conditions, **filter_kwargs)
        partition = _partition(self, hash_key)
        order = partition.order() if partition is not None else []
        low, high = _key_bounds(order, range_comparison, [value.cast_value for value in range_objs])
        forward = scan_index_forward is not False
        start = None
        if exclusive_start_key is not None:
            from moto.dynamodb.models.dynamo_type import DynamoType

            start = DynamoType(exclusive_start_key[self.range_key_attr]).cast_value
        if forward:
            # the walk starts after the start key; items before the condition's slice never match
            first = bisect.bisect_right(order, start, key=_cast) if start is not None else 0
            begin = max(low, first)
            end = max(high, begin)
            matching = (order[i][1] for i in range(begin, end))
            following = (order[i][1] for i in range(end, len(order)))
        else:
            last = bisect.bisect_left(order, start, key=_cast) if start is not None else len(order)
            end = min(high, last)
            begin = min(low, end)
            matching = (order[i][1] for i in range(end - 1, begin - 1, -1))
            following = (order[i][1] for i in range(begin - 1, -1, -1))

        # moto's loop: before adding an item it stops at the limit or when the item would overfill the page
        results: list[Any] = []
        result_size = 0
        last_evaluated_key = None
        for key in matching:
            item = partition[key]  # type: ignore[index]
            size = item.size()
            if len(results) == limit or result_size + size > _PAGE_BYTES:
                last_evaluated_key = self._get_last_evaluated_key(results[-1], None)
                break
            results.append(item)
            result_size += size
        else:
            # moto goes on through the items that do not match: the first one still meets the limit check,
            # the later ones only the page check, which no item can trip until the page is nearly full
            for key in following:
                item = partition[key]  # type: ignore[index]
                if len(results) == limit or result_size + item.size() > _PAGE_BYTES:
                    last_evaluated_key = self._get_last_evaluated_key(results[-1], None)
                    break
                if result_size + _LARGEST_ITEM <= _PAGE_BYTES:
                    break
        scanned_count = len(results)
        results = copy.deepcopy(results)
        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]
        if projection_expressions:
            results = [item.project(projection_expressions) for item in results]
        return results, scanned_count, last_evaluated_key

    Table.query = query  # type: ignore[method-assign]
    original_query = original


# --- DynamoDB items in responses, written as they are stored -------------------------------------------

original_structure: Any = None
_SCALARS = frozenset({"S", "N"})
_STRING_SETS = frozenset({"SS", "NS"})
_FLAGS = frozenset({"NULL", "BOOL"})


class _Unusual(Exception):
    """An attribute value of a kind left to moto's own serializer (binary, or a type it would coerce)."""


def _attribute_value(value: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """What moto's JSON serializer makes of one stored attribute value, for the kinds its items hold."""
    if not value.keys() <= set(order):
        raise _Unusual("a member the model does not name")
    out: dict[str, Any] = {}
    for name in order:
        found = value.get(name)
        if found is None:
            continue
        if name in _SCALARS:
            if type(found) is not str:
                raise _Unusual(name)
            out[name] = found
        elif name in _STRING_SETS:
            if type(found) is not list or any(type(member) is not str for member in found):
                raise _Unusual(name)
            out[name] = list(found)
        elif name in _FLAGS:
            if type(found) is not bool:
                raise _Unusual(name)
            out[name] = found
        elif name == "M":
            # an empty name is written into the map itself by moto (it takes "" for no key)
            if type(found) is not dict or any(type(v) is not dict or not k for k, v in found.items()):
                raise _Unusual(name)
            out[name] = {k: _attribute_value(v, order) for k, v in found.items()}
        elif name == "L":
            if type(found) is not list or any(v is not None and type(v) is not dict for v in found):
                raise _Unusual(name)
            out[name] = [None if v is None else _attribute_value(v, order) for v in found]
        else:
            raise _Unusual(name)  # B and BS: moto base64-encodes them on the way out
    return out


def apply_direct_attribute_values() -> None:
    """Serialize the items of a DynamoDB response in one pass over each value, not one lookup per member.

    moto 5.2's response serializer walks the output shape and, for each of AttributeValue's ten members,
    asks a chain of alias providers where the member is: a 20-item Query answer takes about 14 ms to write,
    four times what the query itself costs, and DynamoDB's own reads take a few. A stored value is already
    in the wire form (one member named as in the model), so it is copied as the serializer would write it:
    strings, numbers, their sets, booleans, NULL, maps and lists. Anything else (binary values, a member the
    model does not name, a value of an unexpected type) goes to moto's own code, and tests hold the two
    equal. Idempotent; it changes moto in this process only.
    """
    global original_structure
    if original_structure is not None:
        return
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure

    def structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and type(value) is dict and shape.name == "AttributeValue":
            try:
                serialized[self.get_serialized_name(shape, key)] = _attribute_value(value, tuple(shape.members))
                return
            except _Unusual:
                pass
        original(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = structure  # type: ignore[method-assign]
    original_structure = original


def check_s3_event_shape(body: str) -> None:
    """Refuse an S3 object event in moto's shape (`eTag`, no sequencer): AWS never sends one."""
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return  # not an event at all: the function under test decides what that gets
    if not isinstance(data, dict) or data.get("source") != "aws.s3" \
            or data.get("detail-type") not in ("Object Created", "Object Deleted"):
        return
    obj = data.get("detail", {}).get("object")
    if isinstance(obj, dict) and ("eTag" in obj or "sequencer" not in obj):
        raise ValueError("an S3 event in moto's shape, not AWS's: take events with Stack.take_events() "
                         "or build them with pressroom.local.moto_gaps.s3_event()")


# --- writing a whole site at once ----------------------------------------------------------------------

_ACCOUNT = "123456789012"  # moto's default account, where the local stack deploys


def put_object_directly(bucket: str, key: str, body: bytes, *, content_type: str = "", cache_control: str = "",
                        metadata: dict[str, str] | None = None) -> tuple[str, str]:
    """Store an object as a PutObject with these headers would, without the request: (version id, ETag).

    A bulk load writes thousands of objects; through boto3 each costs moto about 2 ms of request building
    and parsing, in its S3 backend about 0.03 ms. Notifications are sent as for a PutObject.
    """
    from moto.s3.models import s3_backends
    from moto.s3.utils import CaseInsensitiveDict

    stored = s3_backends[_ACCOUNT]["aws"].put_object(bucket, key, body)
    headers: dict[str, str] = {}
    if content_type:
        headers["Content-Type"] = content_type
    if cache_control:
        headers["Cache-Control"] = cache_control
    for name, value in (metadata or {}).items():
        if not value.isascii():  # as botocore refuses it before any request: S3 user metadata is US-ASCII
            raise ValueError(f'Non ascii characters found in S3 metadata for key "{name}", value: "{value}"')
        headers[f"x-amz-meta-{name}"] = value
    if headers:
        stored.set_metadata(CaseInsensitiveDict(headers))
    return stored.version_id or "null", str(stored.etag).strip('"')


def put_items_directly(region: str, table: str, items: list[dict[str, Any]]) -> None:
    """Store items (in DynamoDB's JSON form) as BatchWriteItem would, stream records included, without the
    requests."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[_ACCOUNT][region]
    for item in items:
        backend.put_item(table, item)


def put_values_directly(region: str, table: str, items: list[dict[str, Any]]) -> None:
    """Store items given as plain values (what `pressroom.index.to_item` serializes) as BatchWriteItem would,
    without the requests and without their stream records: a bulk load of a whole index.

    Through `put_items_directly` each item is serialized by boto3 and converted again by moto, then checked
    and looked up on its way in: 0.15 ms an item, a second for a 2,000-article index. Here strings, numbers,
    booleans, lists and maps become moto's values at once, and the item is stored as moto's PutItem stores
    it, refused by the same size bound; an item with a value of any other kind, or with a key DynamoDB
    would refuse (empty, longer than its limit, not a string), goes through moto's own PutItem and its
    checks instead. The table must have no secondary index (this one's keys are not checked).
    """
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize
    from moto.dynamodb.responses import (
        validate_put_has_empty_attrs,
        validate_put_has_empty_keys,
        validate_put_has_gsi_keys_set_to_none,
    )

    from pressroom.index import to_item

    backend = dynamodb_backends[_ACCOUNT][region]
    with _table_lock:
        found = backend.get_table(table)
        hash_name, range_name = found.hash_key_attr, found.range_key_attr
        shard, found.stream_shard = found.stream_shard, None
        try:
            for values in items:
                attrs = _dynamo_values(values)
                keys = (values.get(hash_name), values.get(range_name))
                if attrs is None or range_name is None or not all(isinstance(k, str) and k for k in keys) \
                        or bytesize(keys[0]) > 2048 or bytesize(keys[1]) > 1024:
                    item_json = to_item(values)
                    for check in (validate_put_has_empty_keys, validate_put_has_empty_attrs,
                                  validate_put_has_gsi_keys_set_to_none):  # what PutItem checks first
                        check(item_json, found)
                    backend.put_item(table, item_json)
                    continue
                if sum(bytesize(name) + value.size() for name, value in attrs.items()) > _ITEM_SIZE_REFUSED:
                    raise ItemSizeTooLarge
                item = Item.__new__(Item)
                item.hash_key, item.range_key = _dynamo_string(keys[0]), _dynamo_string(keys[1])
                item.attrs = LimitedSizeDict()
                dict.update(item.attrs, attrs)
                found.items[item.hash_key][item.range_key] = item
        finally:
            found.stream_shard = shard


def _dynamo_string(value: str) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    made = DynamoType.__new__(DynamoType)
    made.type, made.value = "S", value
    return made


def _dynamo_values(values: dict[str, Any]) -> dict[str, Any] | None:
    """An item's attributes as moto holds them, None values left out as `to_item` leaves them out; None when
    one of them is of a kind only boto3's serializer should convert."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    def convert(value: Any) -> Any:
        made = DynamoType.__new__(DynamoType)
        kind = type(value)
        if kind is str:
            made.type, made.value = "S", value
        elif kind is bool:
            made.type, made.value = "BOOL", value
        elif kind is int and -_LARGEST_EXACT < value < _LARGEST_EXACT:
            made.type, made.value = "N", str(value)
        elif value is None:
            made.type, made.value = "NULL", True
        elif kind is list:
            made.type, made.value = "L", [convert(v) for v in value]
        elif kind is dict and all(type(k) is str for k in value):
            made.type, made.value = "M", {k: convert(v) for k, v in value.items()}
        else:
            raise _OtherKind
        return made

    try:
        return {name: convert(value) for name, value in values.items() if value is not None}
    except _OtherKind:
        return None


class _OtherKind(Exception):
    """A value `_dynamo_values` leaves to boto3's serializer (sets, bytes, decimals, tuples, ...)."""


_LARGEST_EXACT = 10**38  # DynamoDB numbers hold 38 digits: larger integers are boto3's to refuse


def object_keys_directly(bucket: str) -> list[str]:
    """The key of every current object of a bucket (delete markers left out), sorted as ListObjectsV2 sorts
    them, read without its requests: a listing of thousands of keys costs boto3 and moto a second."""
    from moto.s3.models import FakeDeleteMarker, s3_backends

    found = s3_backends[_ACCOUNT]["aws"].get_bucket(bucket)
    return sorted(name for name, key in found.keys.items() if not isinstance(key, FakeDeleteMarker))


def item_keys_directly(region: str, table: str) -> list[dict[str, Any]]:
    """The key of every item of a table (in DynamoDB's JSON form), read without a Scan request."""
    from moto.dynamodb.models import dynamodb_backends

    found = dynamodb_backends[_ACCOUNT][region].get_table(table)
    keys = []
    for item in found.all_items():
        attrs = item.to_json()["Attributes"]
        keys.append({name: attrs[name] for name in (found.hash_key_attr, found.range_key_attr) if name})
    return keys


def delete_items_directly(region: str, table: str, keys: list[dict[str, Any]]) -> None:
    """Delete items by key as BatchWriteItem would, stream records included, without the requests."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[_ACCOUNT][region]
    for key in keys:
        backend.delete_item(table, key)
