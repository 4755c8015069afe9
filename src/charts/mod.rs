//! Charts, drawn at build time as SVG with plotters and embedded in pages.
//!
//! Every chart comes with a title, a description and the table of the data
//! it draws, so it reads in a screen reader and a text browser too. Colours
//! are set twice: as plotters' presentation attributes (so a chart opened on
//! its own still has colour) and as classes that the theme's CSS maps to its
//! light and dark palettes.

pub mod bars;
pub mod gap;
pub mod matrix;

use std::fmt::Write;

use plotters::style::RGBColor;
use serde::Serialize;

/// A rendered chart and the data behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// Unique within a page; used for the `<title>`/`<desc>` ids.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The SVG markup, safe to embed: every data string in it is escaped.
    pub svg: String,
    pub table: DataTable,
    /// True when there was nothing to draw; `svg` is then empty and
    /// `description` says why.
    pub empty: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DataTable {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    pub url: Option<String>,
    /// Right-align numbers.
    pub numeric: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            url: None,
            numeric: false,
        }
    }
    pub fn link(text: impl Into<String>, url: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            url: Some(url.into()),
            numeric: false,
        }
    }
    pub fn number(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            url: None,
            numeric: true,
        }
    }
}

impl Chart {
    /// Replaces the chart with its empty state when `empty` holds, keeping
    /// the data table.
    pub fn with_empty_if(self, empty: bool, why: &str) -> Chart {
        if empty {
            Chart::empty(&self.id, &self.title, why, self.table)
        } else {
            self
        }
    }

    pub fn empty(id: &str, title: &str, why: &str, table: DataTable) -> Chart {
        Chart {
            id: id.into(),
            title: title.into(),
            description: why.into(),
            svg: String::new(),
            table,
            empty: true,
        }
    }
}

/// A colour role of the theme: its fallback colour and its CSS class stem.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    pub class: &'static str,
    pub color: RGBColor,
}

/// Every colour charts use. The fallback colours are distinct, which is how
/// [`finish`] recognises each role in plotters' output.
pub mod palette {
    use super::Role;
    use plotters::style::RGBColor;

    pub const INK: Role = Role {
        class: "ink",
        color: RGBColor(0x1f, 0x23, 0x28),
    };
    pub const MUTED: Role = Role {
        class: "muted",
        color: RGBColor(0x6e, 0x77, 0x81),
    };
    pub const GRID: Role = Role {
        class: "grid",
        color: RGBColor(0xd0, 0xd7, 0xde),
    };
    pub const QUICK_WIN: Role = Role {
        class: "q-quick-win",
        color: RGBColor(0xda, 0xfb, 0xe1),
    };
    pub const MAJOR_PROJECT: Role = Role {
        class: "q-major-project",
        color: RGBColor(0xdd, 0xf4, 0xff),
    };
    pub const FILL_IN: Role = Role {
        class: "q-fill-in",
        color: RGBColor(0xf6, 0xf8, 0xfa),
    };
    pub const MONEY_PIT: Role = Role {
        class: "q-money-pit",
        color: RGBColor(0xff, 0xeb, 0xe9),
    };
    pub const FEATURE: Role = Role {
        class: "kind-feature",
        color: RGBColor(0x09, 0x69, 0xda),
    };
    pub const TECH_DEBT: Role = Role {
        class: "kind-tech-debt",
        color: RGBColor(0xbf, 0x87, 0x00),
    };
    pub const REFACTOR: Role = Role {
        class: "kind-refactor",
        color: RGBColor(0x82, 0x50, 0xdf),
    };
    pub const SCALABILITY: Role = Role {
        class: "kind-scalability",
        color: RGBColor(0x1a, 0x7f, 0x37),
    };
    pub const BUG: Role = Role {
        class: "kind-bug",
        color: RGBColor(0xcf, 0x22, 0x2e),
    };
    pub const GO: Role = Role {
        class: "outcome-go",
        color: RGBColor(0x2d, 0xa4, 0x4e),
    };
    pub const GO_WITH_RISKS: Role = Role {
        class: "outcome-go-with-risks",
        color: RGBColor(0xd4, 0xa7, 0x2c),
    };
    pub const SPIKE_NEEDED: Role = Role {
        class: "outcome-spike-needed",
        color: RGBColor(0x95, 0x6b, 0xe8),
    };
    pub const NO_GO: Role = Role {
        class: "outcome-no-go",
        color: RGBColor(0xe5, 0x53, 0x4b),
    };
    pub const NONE: Role = Role {
        class: "outcome-none",
        color: RGBColor(0x8c, 0x95, 0x9f),
    };
    pub const PRODUCT: Role = Role {
        class: "product",
        color: RGBColor(0xbc, 0x4c, 0x00),
    };
    pub const ENGINEERING: Role = Role {
        class: "engineering",
        color: RGBColor(0x05, 0x50, 0xae),
    };
    pub const ACCENT: Role = Role {
        class: "accent",
        color: RGBColor(0x09, 0x69, 0xdb),
    };

    pub const ALL: &[Role] = &[
        INK,
        MUTED,
        GRID,
        QUICK_WIN,
        MAJOR_PROJECT,
        FILL_IN,
        MONEY_PIT,
        FEATURE,
        TECH_DEBT,
        REFACTOR,
        SCALABILITY,
        BUG,
        GO,
        GO_WITH_RISKS,
        SPIKE_NEEDED,
        NO_GO,
        NONE,
        PRODUCT,
        ENGINEERING,
        ACCENT,
    ];
}

fn hex(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

pub use crate::markup::escape_html as escape;

/// Formats a number with at most one decimal: `7`, `5.5`.
pub fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// Turns plotters' SVG into an accessible, themeable, responsive chart:
/// adds `<title>`/`<desc>` and a role, classes for each colour role, drops
/// the fixed size (the viewBox keeps the aspect ratio) and appends `overlay`
/// (links and tooltips plotters cannot draw). The role is `img`, unless the
/// overlay has links: an image's content is hidden from assistive
/// technology, links and all, so a chart whose marks lead to pages is a
/// `group` (named by the same title and description).
pub fn finish(raw: &str, id: &str, title: &str, description: &str, overlay: &str) -> String {
    let mut out = String::with_capacity(raw.len() + overlay.len() + 256);
    let role = if overlay.contains("<a ") {
        "group"
    } else {
        "img"
    };
    for line in raw.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("<svg ") {
            let view_box = rest
                .split("viewBox=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("0 0 100 100");
            let _ = write!(
                out,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{view_box}\" class=\"chart\" role=\"{role}\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"system-ui, sans-serif\">\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>\n",
                escape(title),
                escape(description)
            );
            continue;
        }
        if trimmed.starts_with("</svg") {
            out.push_str(overlay);
            out.push_str("</svg>\n");
            continue;
        }
        if trimmed.starts_with('<') && !trimmed.starts_with("</") {
            out.push_str(&classify(trimmed));
        } else {
            out.push_str(trimmed);
        }
        out.push('\n');
    }
    out
}

/// Adds `class="f-ROLE s-ROLE"` to a tag for the palette colours it uses.
fn classify(tag: &str) -> String {
    let mut classes = Vec::new();
    for (attr, prefix) in [("fill=\"", "f-"), ("stroke=\"", "s-")] {
        let Some(start) = tag.find(&format!(" {attr}")) else {
            continue;
        };
        let value = &tag[start + attr.len() + 1..];
        let Some(end) = value.find('"') else { continue };
        let color = &value[..end];
        if let Some(role) = palette::ALL.iter().find(|r| hex(r.color) == color) {
            classes.push(format!("{prefix}{}", role.class));
        }
    }
    if classes.is_empty() {
        return tag.to_string();
    }
    let name_end = tag.find([' ', '>', '/']).unwrap_or(tag.len());
    format!(
        "{} class=\"{}\"{}",
        &tag[..name_end],
        classes.join(" "),
        &tag[name_end..]
    )
}

/// An element of an overlay: `<a>` around a shape with a `<title>` tooltip.
pub fn linked(url: &str, tooltip: &str, inner: &str) -> String {
    format!(
        "<a href=\"{}\"><title>{}</title>{}</a>\n",
        escape(url),
        escape(tooltip),
        inner
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_colours_are_distinct() {
        let mut seen: Vec<String> = palette::ALL.iter().map(|r| hex(r.color)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), palette::ALL.len());
    }

    #[test]
    fn classify_adds_classes_for_palette_colours() {
        let tag = format!(
            "<rect x=\"1\" fill=\"{}\" stroke=\"none\"/>",
            hex(palette::QUICK_WIN.color)
        );
        assert_eq!(
            classify(&tag),
            format!(
                "<rect class=\"f-q-quick-win\" x=\"1\" fill=\"{}\" stroke=\"none\"/>",
                hex(palette::QUICK_WIN.color)
            )
        );
    }

    #[test]
    fn escape_neutralises_markup_and_bidi_controls() {
        assert_eq!(
            escape("<a href='x'>\u{202E}&"),
            "&lt;a href=&#39;x&#39;&gt;&amp;"
        );
    }

    #[test]
    fn numbers_show_at_most_one_decimal() {
        assert_eq!(num(7.0), "7");
        assert_eq!(num(5.5), "5.5");
        assert_eq!(num(2.0 / 3.0), "0.7");
    }
}
