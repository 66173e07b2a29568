#!/usr/bin/python3
"""The tutorial's approach (../shared/seed/): asyncio + aiohttp, its regex for the title, with a semaphore added to
bound the requests in flight, and one semaphore per host for the same politeness limit as ours.

As in the tutorial's concurrent version, each URL gets its own `aiohttp.ClientSession` (so its own connection).
`--shared-session` instead shares one session and its connection pool between all URLs (aiohttp's TCPConnector
with limit / limit_per_host): an improvement on the tutorial, measured as a second peer.

Usage: titles_aiohttp.py URLS_FILE CONCURRENCY PER_HOST [TIMEOUT_S] [--shared-session] > records.jsonl
Prints one JSON line per URL ({"url", "title", "error"}) and, on stderr, "peak_rss_kib=N".
"""
import asyncio
import collections
import json
import re
import resource
import sys
from urllib.parse import urlsplit

import aiohttp

PATTERN = re.compile(r'\<title\>(?P<title>.*)\<\/title\>')


async def fetch_page(session, url):
    async with session.get(url, ssl=False) as resp:
        return await resp.text()


def record(out, url, html, error):
    title = None
    if html is not None:
        match = PATTERN.search(html)
        title = match.group('title') if match else None
    out.write(json.dumps({'url': url, 'title': title, 'error': error}, ensure_ascii=False) + '\n')


async def show_title(limit, host_limits, url, out, timeout, shared):
    async with limit, host_limits[urlsplit(url).netloc]:
        html, error = None, None
        try:
            if shared is not None:
                html = await fetch_page(shared, url)
            else:
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    html = await fetch_page(session, url)
        except Exception as exc:  # the tutorial has no handling; a run of many URLs needs at least this
            error = type(exc).__name__
        record(out, url, html, error)


async def main():
    args = [arg for arg in sys.argv[1:] if not arg.startswith('--')]
    path, concurrency, per_host = args[0], int(args[1]), int(args[2])
    timeout = aiohttp.ClientTimeout(total=float(args[3]) if len(args) > 3 else 15.0)
    with open(path, encoding='utf-8') as handle:
        urls = [line.strip() for line in handle if line.strip()]
    limit = asyncio.Semaphore(concurrency)
    host_limits = collections.defaultdict(lambda: asyncio.Semaphore(per_host))
    out = sys.stdout
    if '--shared-session' in sys.argv:
        connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as shared:
            await asyncio.gather(*(show_title(limit, host_limits, url, out, timeout, shared) for url in urls))
    else:
        await asyncio.gather(*(show_title(limit, host_limits, url, out, timeout, None) for url in urls))
    out.flush()
    print(f'peak_rss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)


if __name__ == '__main__':
    asyncio.run(main())
