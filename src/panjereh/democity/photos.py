"""The demo's site photos: a small picture per construction phase, made here (a demo has no camera), so the
phase reports of the history carry a real image checked and stored as any engineer's photo is."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

# a phase's colours: ground and concrete, the steel frame, the roof slab, the finished facade
COLOURS = {"foundation": ((120, 96, 70), (160, 160, 160)), "frame": ((150, 150, 155), (70, 80, 95)),
           "roof": ((170, 170, 170), (110, 60, 40)), "completion": ((220, 205, 170), (60, 110, 150))}


def site_photo(rng, phase: str) -> SimpleUploadedFile:
    """A 96×64 PNG of the phase, with a little of the seed's variety (two photos are never one file)."""
    ground, detail = COLOURS.get(phase, ((128, 128, 128), (64, 64, 64)))
    image = Image.new("RGB", (96, 64), ground)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, 80), rng.randint(0, 48)
        draw.rectangle([x, y, x + rng.randint(4, 16), y + rng.randint(4, 16)], fill=detail)
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile(f"{phase}.png", out.getvalue(), content_type="image/png")
