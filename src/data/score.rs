//! `[[score]]`: one person's impact/effort estimate of one candidate.

use serde::Serialize;

use super::reader::{Loc, Record, Referent, Text};
use crate::calendar::Date;
use crate::config::MatrixConfig;

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub feature: Text,
    pub by: Text,
    pub impact: u32,
    pub effort: u32,
    pub date: Option<Date>,
    pub note: Option<String>,
    #[serde(skip)]
    pub loc: Loc,
}

pub const KEYS: &[&str] = &["feature", "by", "impact", "effort", "date", "note"];

impl Score {
    pub fn read(record: &mut Record, matrix: &MatrixConfig) -> Option<Score> {
        let feature = record.reference("feature", Referent::Feature, true);
        let by = record.reference("by", Referent::Person, true);
        let impact = record.required_integer(
            "impact",
            1..=matrix.impact_max as i64,
            " (matrix.impact_max)",
        );
        let effort = record.required_integer(
            "effort",
            1..=matrix.effort_max as i64,
            " (matrix.effort_max)",
        );
        Some(Score {
            date: record.date("date").map(|(d, _)| d),
            note: record.text("note").map(|t| t.value),
            feature: feature?,
            by: by?,
            impact: impact? as u32,
            effort: effort? as u32,
            loc: record.loc(),
        })
    }
}
