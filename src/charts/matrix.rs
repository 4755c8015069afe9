//! The Impact-vs-Effort matrix: one bubble per placed candidate at its
//! consensus, effort across and impact up, on the four shaded quadrants.

use std::collections::BTreeMap;
use std::fmt::Write;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{escape, finish, num, palette, Cell, Chart, DataTable, Role};
use crate::config::MatrixConfig;
use crate::data::Kind;
use crate::model::{Candidate, Quadrant};

pub const WIDTH: u32 = 760;
pub const HEIGHT: u32 = 620;

pub fn kind_role(kind: Kind) -> Role {
    match kind {
        Kind::Feature => palette::FEATURE,
        Kind::TechDebt => palette::TECH_DEBT,
        Kind::Refactor => palette::REFACTOR,
        Kind::Scalability => palette::SCALABILITY,
        Kind::Bug => palette::BUG,
    }
}

fn quadrant_role(q: Quadrant) -> Role {
    match q {
        Quadrant::QuickWin => palette::QUICK_WIN,
        Quadrant::MajorProject => palette::MAJOR_PROJECT,
        Quadrant::FillIn => palette::FILL_IN,
        Quadrant::MoneyPit => palette::MONEY_PIT,
    }
}

/// Bubble radius grows with the number of scores behind the position.
fn radius(scores: usize) -> f64 {
    (9.0 + 3.0 * (scores as f64).sqrt()).min(20.0)
}

/// Draws the matrix of `candidates` (those without a consensus are left
/// out; the caller lists them). Bubbles are numbered in the given order.
pub fn chart(id: &str, title: &str, candidates: &[&Candidate], matrix: &MatrixConfig) -> Chart {
    let placed: Vec<&Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| c.consensus.is_some())
        .collect();
    let table = table(&placed);
    if placed.is_empty() {
        return Chart::empty(id, title, "No candidate here has scores or estimates yet, so there is nothing to place on the matrix.", table);
    }
    let description = describe(&placed);
    match draw(&placed, matrix) {
        Ok((raw, overlay)) => Chart {
            id: id.into(),
            title: title.into(),
            svg: finish(&raw, id, title, &description, &overlay),
            description,
            table,
            empty: false,
        },
        Err(e) => Chart::empty(
            id,
            title,
            &format!("The chart could not be drawn: {e}"),
            table,
        ),
    }
}

fn describe(placed: &[&Candidate]) -> String {
    let mut counts: BTreeMap<Quadrant, usize> = BTreeMap::new();
    for c in placed {
        if let Some(q) = c.quadrant {
            *counts.entry(q).or_default() += 1;
        }
    }
    let parts: Vec<String> = Quadrant::ALL
        .iter()
        .map(|q| {
            let n = counts.get(q).copied().unwrap_or(0);
            format!(
                "{n} {}{}",
                q.label().to_lowercase(),
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let flagged = placed.iter().filter(|c| c.disagreement).count();
    format!(
        "Impact (up) against effort (across) for {} candidates: {}. {} flagged for disagreement (ringed). Each bubble links to its candidate; the table lists the numbers.",
        placed.len(),
        parts.join(", "),
        flagged
    )
}

fn table(placed: &[&Candidate]) -> DataTable {
    DataTable {
        caption: "Candidates on the matrix".into(),
        columns: [
            "#",
            "Candidate",
            "Kind",
            "Impact",
            "Effort",
            "Scores",
            "Spread (impact / effort)",
            "Quadrant",
        ]
        .map(String::from)
        .to_vec(),
        rows: placed
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let p = c.consensus.expect("placed candidates have a consensus");
                vec![
                    Cell::number((i + 1).to_string()),
                    Cell::link(&c.title, &c.url),
                    Cell::text(c.kind_label),
                    Cell::number(num(p.impact)),
                    Cell::number(num(p.effort)),
                    Cell::number(c.scores.len().to_string()),
                    Cell::text(
                        c.spread
                            .map(|s| format!("{} / {}", s.impact, s.effort))
                            .unwrap_or_else(|| "–".into()),
                    ),
                    Cell::text(c.quadrant.map(|q| q.label()).unwrap_or("")),
                ]
            })
            .collect(),
    }
}

type Drawn = Result<(String, String), String>;

fn draw(placed: &[&Candidate], m: &MatrixConfig) -> Drawn {
    let (emax, imax) = (m.effort_max as f64 + 0.5, m.impact_max as f64 + 0.5);
    let mut raw = String::new();
    let mut overlay = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (WIDTH, HEIGHT)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(44)
            .margin_right(20)
            .margin_left(12)
            .margin_bottom(8)
            .x_label_area_size(48)
            .y_label_area_size(52)
            .build_cartesian_2d(0.5f64..emax, 0.5f64..imax)
            .map_err(|e| err(&e))?;

        let quadrants = [
            (
                Quadrant::QuickWin,
                (0.5, m.impact_split),
                (m.effort_split, imax),
            ),
            (
                Quadrant::MajorProject,
                (m.effort_split, m.impact_split),
                (emax, imax),
            ),
            (
                Quadrant::FillIn,
                (0.5, 0.5),
                (m.effort_split, m.impact_split),
            ),
            (
                Quadrant::MoneyPit,
                (m.effort_split, 0.5),
                (emax, m.impact_split),
            ),
        ];
        chart
            .draw_series(
                quadrants
                    .iter()
                    .map(|(q, a, b)| Rectangle::new([*a, *b], quadrant_role(*q).color.filled())),
            )
            .map_err(|e| err(&e))?;

        let label_font = ("sans-serif", 15).into_font().color(&palette::INK.color);
        let integer = |v: &f64| {
            if (v.fract()).abs() < 1e-9 {
                format!("{}", *v as i64)
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("Effort →")
            .y_desc("Impact →")
            .x_labels(m.effort_max as usize + 1)
            .y_labels(m.impact_max as usize + 1)
            .x_label_formatter(&integer)
            .y_label_formatter(&integer)
            .disable_x_mesh()
            .disable_y_mesh()
            .axis_style(palette::MUTED.color)
            .label_style(label_font.clone())
            .axis_desc_style(("sans-serif", 16).into_font().color(&palette::INK.color))
            .draw()
            .map_err(|e| err(&e))?;

        let split_style = palette::MUTED.color.stroke_width(2);
        chart
            .draw_series([
                PathElement::new(
                    vec![(m.effort_split, 0.5), (m.effort_split, imax)],
                    split_style,
                ),
                PathElement::new(
                    vec![(0.5, m.impact_split), (emax, m.impact_split)],
                    split_style,
                ),
            ])
            .map_err(|e| err(&e))?;

        // Quadrant names in the outer corners, away from most bubbles.
        let name_style = |h: HPos, v: VPos| {
            ("sans-serif", 15)
                .into_font()
                .style(FontStyle::Bold)
                .color(&palette::MUTED.color)
                .pos(Pos::new(h, v))
        };
        let corners = [
            ("Quick wins", (0.62, imax - 0.1), HPos::Left, VPos::Top),
            (
                "Major projects",
                (emax - 0.12, imax - 0.1),
                HPos::Right,
                VPos::Top,
            ),
            ("Fill-ins", (0.62, 0.6), HPos::Left, VPos::Bottom),
            ("Money pits", (emax - 0.12, 0.6), HPos::Right, VPos::Bottom),
        ];
        for (text, at, h, v) in corners {
            chart
                .draw_series([Text::new(text, at, name_style(h, v))])
                .map_err(|e| err(&e))?;
        }

        // plotters maps to whole pixels; bubbles are placed in f64 between
        // the calibration points so a 5.5 sits exactly halfway.
        let (x0, y1) = chart.backend_coord(&(1.0, 1.0));
        let (x1, y0) = chart.backend_coord(&(m.effort_max as f64, m.impact_max as f64));
        let (ex, iy) = (
            (x1 - x0) as f64 / (m.effort_max as f64 - 1.0),
            (y1 - y0) as f64 / (m.impact_max as f64 - 1.0),
        );
        let to_px = |effort: f64, impact: f64| {
            (
                x0 as f64 + (effort - 1.0) * ex,
                y1 as f64 - (impact - 1.0) * iy,
            )
        };
        let _ = writeln!(
            overlay,
            "<g class=\"bubbles\" data-effort-1=\"{x0}\" data-effort-max=\"{x1}\" data-impact-1=\"{y1}\" data-impact-max=\"{y0}\">"
        );
        overlay.push_str(&bubbles(placed, &to_px));
        overlay.push_str("</g>\n");
        overlay.push_str(&legend(placed));
        root.present().map_err(|e| err(&e))?;
    }
    Ok((raw, overlay))
}

/// The bubbles, offset around their point when several share one position
/// so each stays visible and clickable.
fn bubbles(placed: &[&Candidate], to_px: &dyn Fn(f64, f64) -> (f64, f64)) -> String {
    // Group by position (in tenths of a pixel) to spread out bubbles that
    // would otherwise hide each other.
    let mut at: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, c) in placed.iter().enumerate() {
        let p = c.consensus.expect("placed");
        let (x, y) = to_px(p.effort, p.impact);
        at.entry(((x * 10.0).round() as i64, (y * 10.0).round() as i64))
            .or_default()
            .push(i);
    }
    let mut out = String::new();
    for ((cx, cy), members) in at {
        let k = members.len();
        for (slot, &i) in members.iter().enumerate() {
            let c = placed[i];
            let p = c.consensus.expect("placed");
            let r = radius(c.scores.len());
            let (dx, dy) = if k == 1 {
                (0.0, 0.0)
            } else {
                let angle =
                    std::f64::consts::TAU * slot as f64 / k as f64 - std::f64::consts::FRAC_PI_2;
                let spread = r + 3.0;
                (spread * angle.cos(), spread * angle.sin())
            };
            let (x, y) = (cx as f64 / 10.0 + dx, cy as f64 / 10.0 + dy);
            let role = kind_role(c.kind);
            let tooltip = format!(
                "#{} {}: impact {}, effort {} ({}; {}){}",
                i + 1,
                c.title,
                num(p.impact),
                num(p.effort),
                match c.scores.len() {
                    0 => "first estimate".to_string(),
                    1 => "1 score".to_string(),
                    n => format!("{n} scores"),
                },
                c.quadrant.map(|q| q.label()).unwrap_or(""),
                if c.disagreement {
                    format!(". Disagreement: {}", c.disagreement_reasons.join("; "))
                } else {
                    String::new()
                }
            );
            let mut inner = String::new();
            if c.disagreement {
                let _ = write!(
                    inner,
                    "<circle class=\"ring s-outcome-no-go\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" fill=\"none\" stroke=\"#E5534B\" stroke-width=\"2.5\" stroke-dasharray=\"4 3\"/>",
                    r + 4.0
                );
            }
            let _ = write!(
                inner,
                "<circle class=\"bubble f-{cls}\" data-id=\"{id}\" data-impact=\"{imp}\" data-effort=\"{eff}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{fill}\" fill-opacity=\"0.85\" stroke=\"#FFFFFF\" stroke-width=\"1.5\"/><text class=\"bubble-label\" x=\"{x:.1}\" y=\"{y:.1}\" dy=\"0.35em\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\" fill=\"#FFFFFF\">{n}</text>",
                cls = role.class,
                id = escape(&c.id),
                imp = num(p.impact),
                eff = num(p.effort),
                fill = super::hex(role.color),
                n = i + 1
            );
            out.push_str(&super::linked(&c.url, &tooltip, &inner));
        }
    }
    out
}

fn legend(placed: &[&Candidate]) -> String {
    let mut kinds: Vec<Kind> = placed.iter().map(|c| c.kind).collect();
    kinds.sort();
    kinds.dedup();
    let mut out = String::from("<g class=\"legend\" font-size=\"13\">\n");
    let mut x = 16.0;
    for kind in kinds {
        let role = kind_role(kind);
        let _ = writeln!(
            out,
            "<circle class=\"f-{}\" cx=\"{x:.1}\" cy=\"20\" r=\"6\" fill=\"{}\"/><text class=\"f-ink\" x=\"{:.1}\" y=\"20\" dy=\"0.35em\" fill=\"#1F2328\">{}</text>",
            role.class,
            super::hex(role.color),
            x + 10.0,
            kind.label()
        );
        x += 24.0 + 7.5 * kind.label().len() as f64;
    }
    let _ = writeln!(
        out,
        "<circle class=\"ring s-outcome-no-go\" cx=\"{x:.1}\" cy=\"20\" r=\"7\" fill=\"none\" stroke=\"#E5534B\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/><text class=\"f-ink\" x=\"{:.1}\" y=\"20\" dy=\"0.35em\" fill=\"#1F2328\">Disagreement</text>",
        x + 12.0
    );
    let _ = writeln!(out, "<text class=\"f-muted\" x=\"{:.1}\" y=\"20\" dy=\"0.35em\" text-anchor=\"end\" fill=\"#6E7781\">Bubble size: number of scores</text>", WIDTH as f64 - 20.0);
    out.push_str("</g>\n");
    out
}
