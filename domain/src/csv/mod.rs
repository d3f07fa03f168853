//! The one CSV module: every file staff download or upload goes through it.
//!
//! Writing ([`Csv`]): UTF-8 with a byte-order mark by default (so Excel in Japanese offices opens
//! it as UTF-8) or Shift_JIS (CP932), RFC 4180 quoting, CRLF line ends, and cells that a
//! spreadsheet would take for a formula (`= + - @`, tab, CR) prefixed with `'` (CSV injection).
//! Large files are written in chunks ([`Csv::take`]) so memory stays flat.
//!
//! Reading ([`read`]): UTF-8 with or without a byte-order mark, or Shift_JIS/CP932 (what Excel
//! saves in Japan), CRLF or LF, quoted fields with commas and newlines; each record keeps the
//! line it starts on, for messages staff can act on.

mod read;

pub use read::{Record, column_name, decode, read};

/// Most rows one log export may hold; a larger one is refused with a message to narrow the filter.
pub const EXPORT_MAX_ROWS: u64 = 100_000;

/// How a file's text is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    /// UTF-8 (written with a byte-order mark).
    #[default]
    Utf8,
    /// Shift_JIS as Windows writes it (CP932: with NEC and IBM extensions such as 髙 and 﨑).
    ShiftJis,
}

impl Encoding {
    /// `utf8` or `sjis` (a download's query parameter, the command line's `--encoding`).
    pub fn from_key(key: &str) -> Option<Self> {
        match key.to_ascii_lowercase().as_str() {
            "" | "utf8" | "utf-8" => Some(Self::Utf8),
            "sjis" | "shift_jis" | "shift-jis" | "cp932" => Some(Self::ShiftJis),
            _ => None,
        }
    }

    /// The `charset` of a download.
    pub fn charset(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::ShiftJis => "shift_jis",
        }
    }
}

/// A CSV document being written.
pub struct Csv {
    out: String,
    encoding: Encoding,
}

impl Csv {
    /// Starts a UTF-8 document with the byte-order mark and the header row.
    pub fn new(header: &[&str]) -> Self {
        Self::with_encoding(header, Encoding::Utf8)
    }

    /// Starts a document in `encoding` with the header row (and the byte-order mark for UTF-8).
    pub fn with_encoding(header: &[&str], encoding: Encoding) -> Self {
        let mut csv = Self {
            out: match encoding {
                Encoding::Utf8 => String::from('\u{feff}'),
                Encoding::ShiftJis => String::new(),
            },
            encoding,
        };
        csv.row(header.iter().copied());
        csv
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.cell(cell);
        }
        self.out.push_str("\r\n");
    }

    fn cell(&mut self, value: &str) {
        let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let quote = formula || value.contains([',', '"', '\r', '\n']);
        if quote {
            self.out.push('"');
        }
        if formula {
            self.out.push('\'');
        }
        for c in value.chars() {
            if c == '"' {
                self.out.push('"');
            }
            self.out.push(c);
        }
        if quote {
            self.out.push('"');
        }
    }

    /// How much text is waiting to be taken.
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    /// The bytes written since the last call, encoded: a streamed export sends them on and keeps
    /// nothing.
    pub fn take(&mut self) -> Vec<u8> {
        let text = std::mem::take(&mut self.out);
        encode(&text, self.encoding)
    }

    /// The whole (UTF-8) document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// `text` in `encoding`. A character Shift_JIS cannot hold (an emoji in a display name) becomes
/// `?`, never an HTML entity.
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::ShiftJis => {
            let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
            let mut out = Vec::with_capacity(text.len());
            let mut rest = text;
            loop {
                let room = encoder
                    .max_buffer_length_from_utf8_without_replacement(rest.len())
                    .unwrap_or(rest.len() * 2 + 16);
                out.reserve(room);
                let (result, read) =
                    encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
                rest = &rest[read..];
                match result {
                    encoding_rs::EncoderResult::InputEmpty => return out,
                    encoding_rs::EncoderResult::Unmappable(_) => out.push(b'?'),
                    encoding_rs::EncoderResult::OutputFull => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(["=1+1", "say \"hi\", then\nleave"]);
        csv.row(["+81", "-3"]);
        csv.row(["@SUM(A1)", "\tx"]);
        csv.row(["田中", ""]);
        assert_eq!(
            csv.finish(),
            "\u{feff}a,b\r\n\"'=1+1\",\"say \"\"hi\"\", then\nleave\"\r\n\"'+81\",\"'-3\"\r\n\"'@SUM(A1)\",\"'\tx\"\r\n田中,\r\n"
        );
    }

    #[test]
    fn shift_jis_holds_cp932_characters_and_replaces_what_it_cannot() {
        let mut csv = Csv::with_encoding(&["名前"], Encoding::ShiftJis);
        csv.row(["髙橋 﨑 ｶﾅ 😀"]);
        let bytes = csv.take();
        let (text, encoding) = decode(&bytes).expect("decodes");
        assert_eq!(encoding, Encoding::ShiftJis);
        assert_eq!(text, "名前\r\n髙橋 﨑 ｶﾅ ?\r\n");
        // Taken: nothing is kept.
        assert_eq!(csv.buffered(), 0);
    }
}
