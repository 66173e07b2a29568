#!/usr/bin/python3
"""The least Pillow must do for the thumbnails benchmark: every image opened and decoded ONCE, a JPEG in draft mode at
the smallest scale libjpeg-turbo offers for the 128 px box (1/8 for the corpus' 3000 x 2000 photos; the tutorial's
Image.thumbnail asks for 1/4 for its 128 px size and 1/8 for the others), a PNG whole. Nothing else: no resize, no
encode, no file written. A thread pool as wide as the cores (Pillow's decoders release the GIL).
Usage: python3 thumbs_pillow_floor.py IMAGES_DIR (Debian python3 + python3-pil)."""
import glob
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

images_dir = sys.argv[1]


def decode(infile):
    with Image.open(infile) as image:
        image.draft('RGB', (128, 128))  # JPEG only: DCT-domain scaling; other formats ignore it
        image.load()


def main():
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        list(pool.map(decode, glob.glob(f'{images_dir}/*')))


if __name__ == '__main__':
    main()
