#!/usr/bin/python3
"""The tutorial's thumbnails (../shared/seed/): Pillow in a ThreadPoolExecutor of 30 threads, each image opened
once per size (32, 64, 128), Image.thumbnail, saved as PNG to thumbnails/{name}_{size}_{size}.png.
Only the folders are parameters here: python3 thumbs_pillow.py IMAGES_DIR OUT_DIR (Debian python3 + python3-pil)."""
import glob
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

images_dir, out_dir = sys.argv[1], sys.argv[2]


def gen_thumbnail(infile):
    file, ext = os.path.splitext(infile)
    filename = file[file.rfind('/') + 1:]
    for size in (32, 64, 128):
        outfile = f'{out_dir}/{filename}_{size}_{size}.png'
        image = Image.open(infile)
        image.thumbnail((size, size))
        image.save(outfile, format='PNG')


def main():
    os.makedirs(out_dir, exist_ok=True)
    pool = ThreadPoolExecutor(max_workers=30)
    futures = []
    start = time.time()
    for infile in glob.glob(f'{images_dir}/*'):
        future = pool.submit(gen_thumbnail, infile)
        futures.append(future)
    for future in futures:
        future.result()
    end = time.time()
    print(f'{end - start:.3f}', file=sys.stderr)
    pool.shutdown()


if __name__ == '__main__':
    main()
