//! Product's median against engineering's, per candidate: a dumbbell per
//! row, largest gap first, so the estimates most in need of a conversation
//! stand out.

use std::fmt::Write;

use plotters::prelude::*;

use super::{escape, finish, hex, num, palette, Cell, Chart, DataTable};
use crate::model::Candidate;

pub const WIDTH: u32 = 760;
/// Candidates shown: those with the largest gaps.
pub const MAX_ROWS: usize = 40;
const ROW: u32 = 30;

/// Which axis of the estimates to compare.
#[derive(Clone, Copy)]
pub enum Axis {
    Impact,
    Effort,
}

impl Axis {
    fn name(self) -> &'static str {
        match self {
            Axis::Impact => "impact",
            Axis::Effort => "effort",
        }
    }
}

struct Row<'a> {
    candidate: &'a Candidate,
    product: f64,
    engineering: f64,
}

pub fn chart(id: &str, candidates: &[&Candidate], axis: Axis, max: u32) -> Chart {
    let title = format!("Product vs engineering: {}", axis.name());
    let mut rows: Vec<Row> = candidates
        .iter()
        .filter_map(|c| {
            let (p, e) = (c.product_median?, c.engineering_median?);
            let pick = |pt: crate::model::Point| match axis {
                Axis::Impact => pt.impact,
                Axis::Effort => pt.effort,
            };
            Some(Row {
                candidate: c,
                product: pick(p),
                engineering: pick(e),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let gap = |r: &Row| (r.product - r.engineering).abs();
        gap(b)
            .total_cmp(&gap(a))
            .then_with(|| a.candidate.id.cmp(&b.candidate.id))
    });
    // The largest gaps are the agenda; a chart of thousands of rows is
    // neither readable nor cheap to draw.
    let scored_by_both = rows.len();
    rows.truncate(MAX_ROWS);
    let table = DataTable {
        caption: title.clone(),
        columns: ["Candidate", "Product median", "Engineering median", "Gap"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::link(&r.candidate.title, &r.candidate.url),
                    Cell::number(num(r.product)),
                    Cell::number(num(r.engineering)),
                    Cell::number(num((r.product - r.engineering).abs())),
                ]
            })
            .collect(),
    };
    if rows.is_empty() {
        return Chart::empty(
            id,
            &title,
            "No candidate has scores from both product and engineering yet.",
            table,
        );
    }
    let widest = &rows[0];
    let description = format!(
        "Median {} estimates of product (orange) and engineering (blue) for {} candidates scored by both, largest gap first. The largest gap is {} on {}.",
        axis.name(),
        if scored_by_both > rows.len() { format!("the {} of {scored_by_both}", rows.len()) } else { rows.len().to_string() },
        num((widest.product - widest.engineering).abs()),
        widest.candidate.title
    );
    match draw(&rows, max) {
        Ok((raw, overlay)) => Chart {
            id: id.into(),
            svg: finish(&raw, id, &title, &description, &overlay),
            title,
            description,
            table,
            empty: false,
        },
        Err(e) => Chart::empty(
            id,
            &title,
            &format!("The chart could not be drawn: {e}"),
            table,
        ),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

fn draw(rows: &[Row], max: u32) -> Result<(String, String), String> {
    let height = 90 + ROW * rows.len() as u32;
    let mut raw = String::new();
    let mut overlay = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (WIDTH, height)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(36)
            .margin_right(24)
            .margin_left(250)
            .x_label_area_size(40)
            .build_cartesian_2d(0.5f64..max as f64 + 0.5, 0f64..n)
            .map_err(|e| err(&e))?;
        let integer = |v: &f64| {
            if v.fract() == 0.0 {
                format!("{v}")
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(max as usize + 1)
            .x_label_formatter(&integer)
            .light_line_style(palette::GRID.color.mix(0.0))
            .bold_line_style(palette::GRID.color)
            .axis_style(palette::MUTED.color)
            .label_style(("sans-serif", 14).into_font().color(&palette::INK.color))
            .draw()
            .map_err(|e| err(&e))?;
        let to_px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        overlay.push_str("<g class=\"gaps\">\n");
        for (i, r) in rows.iter().enumerate() {
            let y = n - i as f64 - 0.5;
            let (px, py) = to_px(r.product, y);
            let (ex, _) = to_px(r.engineering, y);
            let (lx, _) = to_px(0.5, y);
            let c = r.candidate;
            let _ = writeln!(
                overlay,
                "<a href=\"{}\"><title>{}</title><text class=\"f-ink\" x=\"{}\" y=\"{py}\" dy=\"0.35em\" text-anchor=\"end\" font-size=\"13\" fill=\"#1F2328\">{}</text></a>",
                escape(&c.url),
                escape(&c.title),
                lx - 10,
                escape(&truncate(&c.title, 30))
            );
            let _ = writeln!(overlay, "<line class=\"s-muted\" x1=\"{px}\" y1=\"{py}\" x2=\"{ex}\" y2=\"{py}\" stroke=\"{}\" stroke-width=\"3\"/>", hex(palette::MUTED.color));
            for (x, role, who, value) in [
                (px, palette::PRODUCT, "Product", r.product),
                (ex, palette::ENGINEERING, "Engineering", r.engineering),
            ] {
                let _ = writeln!(
                    overlay,
                    "<circle class=\"dot f-{}\" data-id=\"{}\" cx=\"{x}\" cy=\"{py}\" r=\"7\" fill=\"{}\"><title>{}: {} median {}</title></circle>",
                    role.class,
                    escape(&c.id),
                    hex(role.color),
                    escape(&c.title),
                    who,
                    num(value)
                );
            }
        }
        overlay.push_str("</g>\n");
        let _ = writeln!(
            overlay,
            "<g class=\"legend\" font-size=\"13\"><circle class=\"f-product\" cx=\"260\" cy=\"18\" r=\"6\" fill=\"{}\"/><text class=\"f-ink\" x=\"272\" y=\"18\" dy=\"0.35em\" fill=\"#1F2328\">Product median</text><circle class=\"f-engineering\" cx=\"400\" cy=\"18\" r=\"6\" fill=\"{}\"/><text class=\"f-ink\" x=\"412\" y=\"18\" dy=\"0.35em\" fill=\"#1F2328\">Engineering median</text></g>",
            hex(palette::PRODUCT.color),
            hex(palette::ENGINEERING.color)
        );
        root.present().map_err(|e| err(&e))?;
    }
    Ok((raw, overlay))
}
