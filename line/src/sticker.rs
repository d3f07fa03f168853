//! The stickers a bot may send: LINE's published list of sendable stickers
//! (developers.line.biz, "List of available stickers"). Any other package or sticker id is
//! refused by LINE with 400, so the composer offers exactly these and `validate` checks them.

/// One package of sendable stickers; its sticker ids run from `first` for `count` ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StickerPackage {
    pub package_id: u32,
    pub first: u32,
    pub count: u32,
}

impl StickerPackage {
    pub fn sticker_ids(&self) -> impl Iterator<Item = u32> + use<> {
        self.first..self.first + self.count
    }

    pub fn contains(&self, sticker_id: u32) -> bool {
        (self.first..self.first + self.count).contains(&sticker_id)
    }
}

pub const STICKER_PACKAGES: &[StickerPackage] = &[
    StickerPackage {
        package_id: 446,
        first: 1988,
        count: 40,
    },
    StickerPackage {
        package_id: 789,
        first: 10855,
        count: 40,
    },
    StickerPackage {
        package_id: 1070,
        first: 17839,
        count: 40,
    },
    StickerPackage {
        package_id: 6136,
        first: 10551376,
        count: 24,
    },
    StickerPackage {
        package_id: 6325,
        first: 10979904,
        count: 24,
    },
    StickerPackage {
        package_id: 6359,
        first: 11069848,
        count: 24,
    },
    StickerPackage {
        package_id: 6362,
        first: 11087920,
        count: 24,
    },
    StickerPackage {
        package_id: 6370,
        first: 11088016,
        count: 24,
    },
    StickerPackage {
        package_id: 6632,
        first: 11825374,
        count: 24,
    },
    StickerPackage {
        package_id: 8515,
        first: 16581242,
        count: 24,
    },
    StickerPackage {
        package_id: 8522,
        first: 16581266,
        count: 24,
    },
    StickerPackage {
        package_id: 8525,
        first: 16581290,
        count: 24,
    },
    StickerPackage {
        package_id: 11537,
        first: 52002734,
        count: 40,
    },
    StickerPackage {
        package_id: 11538,
        first: 51626494,
        count: 40,
    },
    StickerPackage {
        package_id: 11539,
        first: 52114110,
        count: 40,
    },
];

/// Whether LINE lets a bot send this sticker.
pub fn is_sendable(package_id: &str, sticker_id: &str) -> bool {
    let (Ok(package), Ok(sticker)) = (package_id.parse::<u32>(), sticker_id.parse::<u32>()) else {
        return false;
    };
    STICKER_PACKAGES
        .iter()
        .any(|p| p.package_id == package && p.contains(sticker))
}

/// The sticker's image on LINE's sticker CDN (what the preview and the picker show; the
/// admin page falls back to the ids when it cannot be fetched).
pub fn image_url(sticker_id: &str) -> String {
    format!(
        "https://stickershop.line-scdn.net/stickershop/v1/sticker/{sticker_id}/android/sticker.png"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_ranges_are_sendable_and_nothing_else() {
        assert!(is_sendable("446", "1988"));
        assert!(is_sendable("446", "2027"));
        assert!(!is_sendable("446", "2028"), "one past the package");
        assert!(!is_sendable("446", "1987"));
        assert!(is_sendable("11537", "52002773"));
        assert!(!is_sendable("11537", "1988"), "another package's sticker");
        assert!(!is_sendable("999999", "1"));
        assert!(!is_sendable("abc", "1988"));
        let total: u32 = STICKER_PACKAGES.iter().map(|p| p.count).sum();
        assert_eq!(total, 40 * 6 + 24 * 9);
    }
}
