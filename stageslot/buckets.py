"""The two buckets a site keeps its files in, made on an S3-compatible server that has none yet: public media,
which anyone may read by the bucket's policy, and private booking files (docs/decisions/0063-files-in-a-bucket.md).
bin/topology.py makes them on the moto server it starts, compose.yaml's `buckets` service on its own, and the
tests' buckets take the same policy.

    python -m stageslot.buckets      # with the site's MEDIA_S3_… and BOOKING_FILES_S3_… settings in the environment

Making a bucket that is there already changes nothing, so the service can run at every `docker compose up`.
"""

import json
import os
import sys
import time


def public_read_policy(bucket: str) -> dict:
    """The bucket policy that lets anyone read (not list, not write) a public media bucket's objects."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def buckets_make(
    *, endpoint_url: str, region: str, access_key: str, secret_key: str, media: str, booking_files: str, wait: float = 0
) -> None:
    """Make the `media` bucket, readable by anyone, and the private `booking_files` bucket, where they are not
    there yet; for up to `wait` seconds, a server that does not answer yet is asked again."""
    import boto3
    from botocore.exceptions import ClientError, EndpointConnectionError

    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
    )
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                client.list_buckets()
                break
            except EndpointConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for bucket in (media, booking_files):
            try:
                client.create_bucket(Bucket=bucket)
            except ClientError as error:
                if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                    raise
        client.put_bucket_policy(Bucket=media, Policy=json.dumps(public_read_policy(media)))
    finally:
        client.close()


def main() -> int:
    """The buckets the site's settings name, from the environment as the site reads it."""
    env = os.environ
    booking_files = env["BOOKING_FILES_S3_BUCKET"]
    media = env["MEDIA_S3_BUCKET"]
    buckets_make(
        endpoint_url=env.get("MEDIA_S3_ENDPOINT_URL") or env["BOOKING_FILES_S3_ENDPOINT_URL"],
        region=env.get("MEDIA_S3_REGION") or env.get("BOOKING_FILES_S3_REGION") or "us-east-1",
        access_key=env.get("MEDIA_S3_ACCESS_KEY") or env["BOOKING_FILES_S3_ACCESS_KEY"],
        secret_key=env.get("MEDIA_S3_SECRET_KEY") or env["BOOKING_FILES_S3_SECRET_KEY"],
        media=media,
        booking_files=booking_files,
        wait=60,
    )
    print(f"buckets: {media} (anyone reads its objects) and {booking_files} (private) are there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
