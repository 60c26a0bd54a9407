"""Check that the local moto server delivers S3 event notifications to an SQS queue.

Usage: python3 deploy/local/moto-notification-check.py

Reads AWS_ENDPOINT_URL (default http://127.0.0.1:55000) and rejects any endpoint that is not
on the loopback interface, so the check never reaches real AWS. It creates a bucket and a queue
with a random suffix, subscribes the queue to s3:ObjectCreated:*, uploads objects whose keys
contain spaces, non-ASCII characters and URL-reserved characters, and prints each key exactly
as the notification carries it. Exits 1 when a notification is missing or malformed.
"""

import ipaddress
import json
import os
import sys
import time
import uuid
from collections import Counter
from urllib.parse import quote_plus, unquote_plus, urlparse

import boto3
from botocore.config import Config

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:55000")
REGION = "us-east-1"
RECEIVE_TIMEOUT_SECONDS = 15

# (label, object key). Plain "/" separators are included because S3 event consumers split on them.
KEYS = [
    ("plain", "incoming/plain.csv"),
    ("spaces", "incoming/dir with spaces/file name.csv"),
    ("non-ASCII", "incoming/données/été ü 日本.csv"),
    ("reserved", "incoming/a+b=c&d%20e?.csv"),
]


def require_loopback(endpoint: str) -> None:
    host = urlparse(endpoint).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    sys.exit(f"AWS_ENDPOINT_URL={endpoint} is not a loopback address; point it at the local moto server")


def make_client(service: str):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def receive_all(sqs, queue_url: str, expected: int) -> list[dict]:
    """Receive and delete messages until `expected` arrived or the timeout passed."""
    bodies = []
    deadline = time.monotonic() + RECEIVE_TIMEOUT_SECONDS
    while len(bodies) < expected and time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in response.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def main() -> int:
    require_loopback(ENDPOINT)
    s3 = make_client("s3")
    sqs = make_client("sqs")
    suffix = uuid.uuid4().hex[:8]
    bucket = f"flow-notification-check-{suffix}"
    queue_name = f"flow-notification-check-{suffix}"
    failures = []

    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    try:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"Id": "flow-drops", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )
        test_events = [body for body in receive_all(sqs, queue_url, 1) if body.get("Event") == "s3:TestEvent"]
        print(f"s3:TestEvent after PutBucketNotificationConfiguration: {'yes' if test_events else 'no'}")
        if test_events:
            print(f"  body: {json.dumps(test_events[0], ensure_ascii=False)}")

        for _, key in KEYS:
            s3.put_object(Bucket=bucket, Key=key, Body=b"id,value\n1,a\n")
        copy_key = "incoming/copy of plain.csv"
        s3.copy_object(Bucket=bucket, Key=copy_key, CopySource={"Bucket": bucket, "Key": KEYS[0][1]})
        multipart_key = "incoming/multipart upload.csv"
        upload = s3.create_multipart_upload(Bucket=bucket, Key=multipart_key)
        part = s3.upload_part(Bucket=bucket, Key=multipart_key, UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 1024)
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key=multipart_key,
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
        )

        expected_keys = [key for _, key in KEYS] + [copy_key, multipart_key]
        bodies = receive_all(sqs, queue_url, len(expected_keys))
        records = [record for body in bodies for record in body.get("Records", [])]
        by_key = {unquote_plus(record["s3"]["object"]["key"]): record for record in records}

        first = records[0] if records else {}
        print(f"record fields: {sorted(first.keys())}")
        print(f"s3.object fields: {sorted(first.get('s3', {}).get('object', {}).keys())}")
        print(f"eventTime example: {first.get('eventTime')}")
        print("key encoding (original -> notification key):")
        labels = dict((key, label) for label, key in KEYS)
        labels.update({copy_key: "copy", multipart_key: "multipart"})
        for key in expected_keys:
            record = by_key.get(key)
            if record is None:
                failures.append(f"no notification for key {key!r}")
                print(f"  {labels[key]:<10} {key!r} -> MISSING")
                continue
            encoded = record["s3"]["object"]["key"]
            encoded_keeping_slashes = quote_plus(key, safe="/")
            print(
                f"  {labels[key]:<10} {key!r} -> {encoded!r} "
                f"event={record['eventName']} quote_plus(safe='')={encoded == quote_plus(key)} "
                f"quote_plus(safe='/')={encoded == encoded_keeping_slashes}"
            )
            if record["s3"]["bucket"]["name"] != bucket:
                failures.append(f"record for {key!r} names bucket {record['s3']['bucket']['name']!r}")
        seen = Counter(unquote_plus(record["s3"]["object"]["key"]) for record in records)
        for key, count in seen.items():
            if count > 1:
                events = [r["eventName"] for r in records if unquote_plus(r["s3"]["object"]["key"]) == key]
                print(f"  note: {count} records for {key!r}: {', '.join(events)}")
    finally:
        for _, key in KEYS:
            s3.delete_object(Bucket=bucket, Key=key)
        for key in ("incoming/copy of plain.csv", "incoming/multipart upload.csv"):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)
        sqs.delete_queue(QueueUrl=queue_url)

    for failure in failures:
        print(f"FAIL {failure}")
    print(f"{len(expected_keys) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
