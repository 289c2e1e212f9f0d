"""Draws the app icons (a white drop on the theme colour) into static/pwa/. The PNGs
are committed; run `python -m tracker.pwa.icons` again only to change the design.

"Maskable" icons keep everything inside the central 80 % safe zone, because a phone
may crop them to a circle or a squircle; the plain ones may use the whole square."""

from pathlib import Path

from PIL import Image, ImageDraw

THEME_COLOUR = "#0172ad"
OUT = Path(__file__).resolve().parent.parent.parent / "static" / "pwa"


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # draw large and shrink, for smooth edges without an anti-aliasing library
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=THEME_COLOUR)
        extent = 0.5  # of the side: the drop stays well inside the safe zone
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=THEME_COLOUR)
        extent = 0.64
    height = big * extent
    radius = height * 0.32
    cx, bottom = big / 2, big / 2 + height / 2
    cy = bottom - radius
    top = bottom - height
    # The drop: a circle with a triangle whose sides touch it, pointing up.
    pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill="white")
    pen.polygon(
        [(cx, top), (cx - radius * 0.94, cy - radius * 0.34), (cx + radius * 0.94, cy - radius * 0.34)], fill="white"
    )
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
