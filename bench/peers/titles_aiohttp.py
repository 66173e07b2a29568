#!/usr/bin/python3
"""The tutorial's approach (../shared/seed/): asyncio + aiohttp, its regex for the title, with a semaphore added to
bound the requests in flight (and aiohttp's per-host connector limit, for the same politeness as ours).

Usage: titles_aiohttp.py URLS_FILE CONCURRENCY PER_HOST [TIMEOUT_S] > records.jsonl
Prints one JSON line per URL ({"url", "title", "error"}) and, on stderr, "peak_rss_kib=N".
"""
import asyncio
import json
import re
import resource
import sys

import aiohttp

PATTERN = re.compile(r'\<title\>(?P<title>.*)\<\/title\>')


async def fetch_page(session, url):
    async with session.get(url, ssl=False) as resp:
        return await resp.text()


async def show_title(semaphore, session, url, out):
    async with semaphore:
        title, error = None, None
        try:
            html = await fetch_page(session, url)
            match = PATTERN.search(html)
            title = match.group('title') if match else None
        except Exception as exc:  # the tutorial has no handling; a run of many URLs needs at least this
            error = type(exc).__name__
        out.write(json.dumps({'url': url, 'title': title, 'error': error}, ensure_ascii=False) + '\n')


async def main():
    path, concurrency, per_host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 15.0
    with open(path, encoding='utf-8') as handle:
        urls = [line.strip() for line in handle if line.strip()]
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host)
    out = sys.stdout
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        await asyncio.gather(*(show_title(semaphore, session, url, out) for url in urls))
    out.flush()
    print(f'peak_rss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)


if __name__ == '__main__':
    asyncio.run(main())
