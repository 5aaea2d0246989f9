"""Attachment bytes in an S3-compatible bucket, through aiobotocore."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from service.attachments.storage import _valid_key

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3Storage:
    """Objects named `prefix/key` in one bucket; credentials, region and endpoint from the
    usual AWS_* variables unless `endpoint_url` is given. One client, opened on first use."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._client: Any = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    def _object_key(self, key: str) -> str:
        key = _valid_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                options = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    get_session().create_client("s3", **options)
                )
                self._stack = stack
            return self._client

    async def put(self, key: str, data: bytes) -> None:
        name = self._object_key(key)
        s3 = await self._s3()
        await s3.put_object(
            Bucket=self.bucket, Key=name, Body=data, ContentType="application/octet-stream"
        )

    async def get(self, key: str) -> bytes:
        name = self._object_key(key)
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise KeyError(key) from None
            raise
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def delete(self, key: str) -> None:
        name = self._object_key(key)
        s3 = await self._s3()
        try:
            await s3.delete_object(Bucket=self.bucket, Key=name)
        except ClientError as error:  # S3 itself answers 204; some compatible stores say 404
            if error.response.get("Error", {}).get("Code") not in _MISSING:
                raise

    async def keys(self) -> list[str]:
        """The keys directly under the prefix (objects in deeper "folders" are not ours)."""
        s3 = await self._s3()
        start = f"{self.prefix}/" if self.prefix else ""
        found: list[str] = []
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start, Delimiter="/"
        )
        async for page in pages:
            found.extend(item["Key"][len(start) :] for item in page.get("Contents", []))
        return sorted(found)

    async def close(self) -> None:
        async with self._lock:
            stack, self._stack, self._client = self._stack, None, None
            if stack is not None:
                await stack.aclose()
