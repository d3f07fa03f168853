//! CSV exports for staff: UTF-8 with a byte-order mark (so Excel in Japanese offices opens it as
//! UTF-8), RFC 4180 quoting, CRLF line ends, and cells that a spreadsheet would take for a
//! formula (`= + - @`, tab, CR) prefixed with `'` (CSV injection).

/// Most rows one export may hold; a larger one is refused with a message to narrow the filter.
pub const EXPORT_MAX_ROWS: u64 = 100_000;

/// A CSV document being written into memory.
pub struct Csv {
    out: String,
}

impl Csv {
    /// Starts a document with the byte-order mark and the header row.
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self {
            out: String::from('\u{feff}'),
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

    pub fn finish(self) -> String {
        self.out
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
}
