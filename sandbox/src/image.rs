//! Width and height of a PNG or JPEG, read from its header (IHDR, or the JPEG SOF segment).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    /// By LINE's reading of a rich menu image's `Content-Type` (`line::validate`, shared with
    /// the client).
    pub(crate) fn from_content_type(content_type: &str) -> Option<Self> {
        let media_type = line::validate::rich_menu_image_type(content_type)?;
        [ImageKind::Png, ImageKind::Jpeg]
            .into_iter()
            .find(|kind| kind.content_type() == media_type)
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// `(width, height)`, or `None` when `bytes` is not an image of `kind`.
pub(crate) fn dimensions(kind: ImageKind, bytes: &[u8]) -> Option<(u32, u32)> {
    match kind {
        ImageKind::Png => png_dimensions(bytes),
        ImageKind::Jpeg => jpeg_dimensions(bytes),
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIGNATURE) || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let (w, h) = (be_u32(bytes, 16)?, be_u32(bytes, 20)?);
    (w > 0 && h > 0).then_some((w, h))
}

fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    loop {
        // Markers start with 0xFF, possibly padded with more 0xFF bytes.
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        while *bytes.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at)?;
        at += 1;
        match marker {
            // Standalone markers: no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return None, // end of image / start of scan before any frame header
            _ => {}
        }
        let length = usize::from(be_u16(bytes, at)?);
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = be_u16(bytes, at + 3)?;
            let w = be_u16(bytes, at + 5)?;
            return (w > 0 && h > 0).then_some((u32::from(w), u32::from(h)));
        }
        at += length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_png_ihdr() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(800u32.to_be_bytes());
        png.extend(540u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0]);
        assert_eq!(dimensions(ImageKind::Png, &png), Some((800, 540)));
        assert_eq!(dimensions(ImageKind::Jpeg, &png), None);
        assert_eq!(dimensions(ImageKind::Png, b"GIF89a"), None);
    }

    #[test]
    fn reads_jpeg_sof() {
        let mut jpeg = vec![0xFF, 0xD8];
        // APP0 (JFIF) segment of 16 bytes.
        jpeg.extend([0xFF, 0xE0, 0x00, 0x10]);
        jpeg.extend([0u8; 14]);
        // SOF0: length 17, precision 8, height 843, width 2500.
        jpeg.extend([0xFF, 0xC0, 0x00, 0x11, 0x08]);
        jpeg.extend(843u16.to_be_bytes());
        jpeg.extend(2500u16.to_be_bytes());
        jpeg.extend([0u8; 10]);
        assert_eq!(dimensions(ImageKind::Jpeg, &jpeg), Some((2500, 843)));
    }

    #[test]
    fn content_types() {
        assert_eq!(
            ImageKind::from_content_type("image/PNG; charset=x"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::from_content_type("image/gif"), None);
    }
}
