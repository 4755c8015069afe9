//! Vertical bar charts, stacked when there are several series: check-ins
//! per week by outcome, planned effort by kind, dissent rate per month.

use std::fmt::Write;

use plotters::prelude::*;

use super::{escape, finish, hex, num, Cell, Chart, DataTable, Role};

pub const WIDTH: u32 = 760;
pub const HEIGHT: u32 = 360;

/// One stacked layer: a name for the legend and one value per category.
pub struct Series {
    pub name: String,
    pub role: Role,
    pub values: Vec<f64>,
}

pub struct Bars<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// What the chart shows, in a sentence; the totals are appended.
    pub summary: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub y_label: &'a str,
    /// Values are shares (0..=1) shown as percentages.
    pub percent: bool,
    pub empty_message: &'a str,
}

fn show(value: f64, percent: bool) -> String {
    if percent {
        format!("{}%", num(value * 100.0))
    } else {
        num(value)
    }
}

impl Bars<'_> {
    pub fn chart(self) -> Chart {
        let table = self.table();
        let total: f64 = self.series.iter().flat_map(|s| &s.values).sum();
        if self.categories.is_empty() || (total == 0.0 && !self.percent) {
            return Chart::empty(self.id, self.title, self.empty_message, table);
        }
        match self.draw() {
            Ok((raw, overlay)) => Chart {
                id: self.id.into(),
                title: self.title.into(),
                svg: finish(&raw, self.id, self.title, &self.summary, &overlay),
                description: self.summary,
                table,
                empty: false,
            },
            Err(e) => Chart::empty(
                self.id,
                self.title,
                &format!("The chart could not be drawn: {e}"),
                table,
            ),
        }
    }

    fn table(&self) -> DataTable {
        let mut columns = vec![String::new()];
        columns.extend(self.series.iter().map(|s| s.name.clone()));
        if self.series.len() > 1 {
            columns.push("Total".into());
        }
        let rows = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, category)| {
                let mut row = vec![Cell::text(category)];
                row.extend(
                    self.series
                        .iter()
                        .map(|s| Cell::number(show(s.values[i], self.percent))),
                );
                if self.series.len() > 1 {
                    row.push(Cell::number(show(
                        self.series.iter().map(|s| s.values[i]).sum(),
                        self.percent,
                    )));
                }
                row
            })
            .collect();
        DataTable {
            caption: self.title.to_string(),
            columns,
            rows,
        }
    }

    fn draw(&self) -> Result<(String, String), String> {
        let n = self.categories.len();
        let stack_max = (0..n)
            .map(|i| self.series.iter().map(|s| s.values[i]).sum::<f64>())
            .fold(0.0, f64::max);
        let y_max = if self.percent {
            1.0
        } else {
            (stack_max * 1.15).max(1.0).ceil()
        };
        let mut raw = String::new();
        let mut overlay = String::new();
        {
            let root = SVGBackend::with_string(&mut raw, (WIDTH, HEIGHT)).into_drawing_area();
            let err = |e: &dyn std::fmt::Display| e.to_string();
            let many = n > 8;
            let mut chart = ChartBuilder::on(&root)
                .margin_top(if self.series.len() > 1 { 40 } else { 16 })
                .margin_right(16)
                .margin_left(8)
                .x_label_area_size(if many { 70 } else { 36 })
                .y_label_area_size(56)
                .build_cartesian_2d(0f64..n as f64, 0f64..y_max)
                .map_err(|e| err(&e))?;
            let percent = self.percent;
            let y_format = move |v: &f64| {
                if percent {
                    format!("{}%", (v * 100.0).round())
                } else if v.fract() == 0.0 {
                    format!("{v}")
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .disable_x_axis()
                .y_desc(self.y_label)
                .y_labels(6)
                .y_label_formatter(&y_format)
                .light_line_style(super::palette::GRID.color.mix(0.0))
                .bold_line_style(super::palette::GRID.color)
                .axis_style(super::palette::MUTED.color)
                .label_style(
                    ("sans-serif", 14)
                        .into_font()
                        .color(&super::palette::INK.color),
                )
                .axis_desc_style(
                    ("sans-serif", 14)
                        .into_font()
                        .color(&super::palette::INK.color),
                )
                .draw()
                .map_err(|e| err(&e))?;
            chart
                .draw_series([PathElement::new(
                    vec![(0.0, 0.0), (n as f64, 0.0)],
                    super::palette::MUTED.color,
                )])
                .map_err(|e| err(&e))?;

            let to_px = |x: f64, y: f64| chart.backend_coord(&(x, y));
            overlay.push_str("<g class=\"bars\">\n");
            for (i, category) in self.categories.iter().enumerate() {
                let mut base = 0.0;
                for s in &self.series {
                    let v = s.values[i];
                    if v <= 0.0 {
                        continue;
                    }
                    let (x0, y0) = to_px(i as f64 + 0.18, base + v);
                    let (x1, y1) = to_px(i as f64 + 0.82, base);
                    let tooltip = if self.series.len() > 1 {
                        format!("{category}, {}: {}", s.name, show(v, self.percent))
                    } else {
                        format!("{category}: {}", show(v, self.percent))
                    };
                    let _ = writeln!(
                        overlay,
                        "<rect class=\"bar f-{}\" data-category=\"{}\" data-value=\"{}\" x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                        s.role.class,
                        escape(category),
                        num(v),
                        x1 - x0,
                        (y1 - y0).max(1),
                        hex(s.role.color),
                        escape(&tooltip)
                    );
                    base += v;
                }
                let (cx, cy) = to_px(i as f64 + 0.5, 0.0);
                if many {
                    let _ = writeln!(overlay, "<text class=\"f-ink\" x=\"{cx}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\" transform=\"rotate(-45 {cx} {})\" fill=\"#1F2328\">{}</text>", cy + 14, cy + 14, escape(category));
                } else {
                    let _ = writeln!(overlay, "<text class=\"f-ink\" x=\"{cx}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#1F2328\">{}</text>", cy + 20, escape(category));
                }
            }
            overlay.push_str("</g>\n");
            if self.series.len() > 1 {
                overlay.push_str(&legend(&self.series));
            }
            root.present().map_err(|e| err(&e))?;
        }
        Ok((raw, overlay))
    }
}

fn legend(series: &[Series]) -> String {
    let mut out = String::from("<g class=\"legend\" font-size=\"13\">\n");
    let mut x = 16.0;
    for s in series {
        let _ = writeln!(
            out,
            "<rect class=\"f-{}\" x=\"{x:.1}\" y=\"12\" width=\"12\" height=\"12\" fill=\"{}\"/><text class=\"f-ink\" x=\"{:.1}\" y=\"18\" dy=\"0.35em\" fill=\"#1F2328\">{}</text>",
            s.role.class,
            hex(s.role.color),
            x + 17.0,
            escape(&s.name)
        );
        x += 30.0 + 7.5 * s.name.chars().count() as f64;
    }
    out.push_str("</g>\n");
    out
}
