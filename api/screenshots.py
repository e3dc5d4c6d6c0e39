"""A proof's screenshot: its type sniffed from the bytes, its EXIF read, then re-encoded.

Re-encoding from the decoded pixels drops every byte the sender chose besides the picture
(EXIF with its GPS position, text chunks, anything appended after the image), so what is
stored is only the image. The EXIF values read first go to domain/proof_checks.py.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

from PIL import ExifTags, Image, UnidentifiedImageError

from api.errors import ApiError
from domain.proof_checks import ImageType, Screenshot

MAX_BYTES = 5 * 1024 * 1024
# Far above any phone screen; far below what would let a small file expand into gigabytes.
MAX_PIXELS = 40_000_000
MAGIC: dict[ImageType, bytes] = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}
EXTENSIONS: dict[str, ImageType] = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
CONTENT_TYPES: dict[str, ImageType] = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
}
EXIF_TIME = "%Y:%m:%d %H:%M:%S"


def sniff(data: bytes) -> ImageType | None:
    return next((kind for kind, magic in MAGIC.items() if data.startswith(magic)), None)


def _refuse(message: str, **detail: str) -> ApiError:
    return ApiError(422, message, details=[{"field": "screenshot", **detail}])


def read(data: bytes, *, filename: str | None, content_type: str | None) -> Screenshot:
    """The screenshot, checked and re-encoded.

    Raises:
        ApiError: 413 over 5 MiB; 422 not a PNG or JPEG by its bytes, named or declared as
            the other type, or not a decodable image.
    """
    if len(data) > MAX_BYTES:
        raise ApiError(413, f"the screenshot exceeds {MAX_BYTES} bytes")
    kind = sniff(data)
    if kind is None:
        raise _refuse("the screenshot must be a PNG or JPEG image")
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else ""
    named = EXTENSIONS.get(suffix)
    if suffix and named != kind:
        raise _refuse(f"the file is a {kind.upper()} but is named {filename}", sniffed=kind)
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in CONTENT_TYPES and CONTENT_TYPES[declared] != kind:
        raise _refuse(f"the file is a {kind.upper()} but was sent as {declared}", sniffed=kind)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse(f"the image has more than {MAX_PIXELS} pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            captured_at, software = _exif(image)
            clean = _reencode(image, kind)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as err:
        raise _refuse(f"the screenshot is not a readable {kind.upper()} image") from err
    return Screenshot(kind, clean, captured_at, software)


def _exif(image: Image.Image) -> tuple[datetime | None, str | None]:
    exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    taken = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    offset = details.get(ExifTags.Base.OffsetTimeOriginal) or details.get(ExifTags.Base.OffsetTime)
    software = exif.get(ExifTags.Base.Software) or image.info.get("Software")
    return _when(taken, offset), str(software) if software else None


def _when(taken: object, offset: object) -> datetime | None:
    """EXIF writes local time without a zone unless OffsetTime* is there; without it, UTC."""
    try:
        moment = datetime.strptime(str(taken).strip("\x00 "), EXIF_TIME)
    except (TypeError, ValueError):
        return None
    zone: timezone = UTC
    text = str(offset or "").strip("\x00 ")
    if len(text) == 6 and text[0] in "+-" and text[3] == ":":
        sign = 1 if text[0] == "+" else -1
        try:
            zone = timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
        except ValueError:
            zone = UTC
    return moment.replace(tzinfo=zone)


def _reencode(image: Image.Image, kind: ImageType) -> bytes:
    out = io.BytesIO()
    if kind == "png":
        image.save(out, "PNG", optimize=False)
    else:
        pixels = image if image.mode in ("RGB", "L") else image.convert("RGB")
        pixels.save(out, "JPEG", quality=90)
    return out.getvalue()
