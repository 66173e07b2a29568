"""The tutorial's last chapter done the Celery way: one task per URL on Redis, a thread pool per worker, and the
tutorial's regex for the title (Debian's python3-celery, /usr/bin/python3).

Worker:   CELERY_BROKER=redis://127.0.0.1:PORT/1 python3 -m celery -A celery_titles worker -P threads -c 50
Producer: CELERY_BROKER=redis://127.0.0.1:PORT/1 python3 celery_titles.py urls.txt   (prints "<titles> <urls>")
"""
import os
import re
import sys
import urllib.request

from celery import Celery, group

BROKER = os.environ.get('CELERY_BROKER', 'redis://127.0.0.1:6379/1')
app = Celery('celery_titles', broker=BROKER, backend=BROKER)
app.conf.update(
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    result_expires=600,
)

PATTERN = re.compile(r'\<title\>(?P<title>.*)\<\/title\>')


@app.task
def fetch_title(url):
    with urllib.request.urlopen(url, timeout=15) as response:
        html = response.read().decode('utf-8', 'replace')
    match = PATTERN.search(html)
    return match.group('title') if match else None


if __name__ == '__main__':
    with open(sys.argv[1], encoding='utf-8') as lines:
        urls = [line.strip() for line in lines if line.strip()]
    result = group(fetch_title.s(url) for url in urls).apply_async()
    titles = result.get(timeout=3600, propagate=False)
    result.forget()
    print(sum(1 for title in titles if isinstance(title, str)), len(urls))
