"""The peer for sitemap parsing: Python's standard library (urllib + ElementTree.iterparse), streaming too.
Usage: /usr/bin/python3 bench/peers/sitemap_iterparse.py URL  -> {"urls": N, "firstMs": ..., "ms": ...}"""
import gzip
import io
import json
import resource
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

NS = '{http://www.sitemaps.org/schemas/sitemap/0.9}'
start = time.perf_counter()
first = None
count = 0


def read(url):
    global first, count
    with urllib.request.urlopen(url) as response:
        body = response.read()
    if body[:2] == b'\x1f\x8b':
        body = gzip.decompress(body)
    children = []
    loc = ''
    for _, element in ET.iterparse(io.BytesIO(body)):
        if element.tag == NS + 'loc':
            loc = (element.text or '').strip()
        elif element.tag == NS + 'url':
            count += 1
            if first is None:
                first = (time.perf_counter() - start) * 1000
            element.clear()
        elif element.tag == NS + 'sitemap':
            children.append(loc)
            element.clear()
    for child in children:
        read(child)


read(sys.argv[1])
print(json.dumps({'urls': count, 'firstMs': first, 'ms': (time.perf_counter() - start) * 1000, 'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
