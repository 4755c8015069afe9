//! `[[checkin]]`: a feasibility check-in, refinement session or planning
//! meeting, with the dissent that was asked for and recorded.

use serde::Serialize;

use super::reader::{Loc, Record, Referent, Text};
use crate::calendar::Date;
use crate::choice;

choice!(
    CheckinKind {
        Feasibility = "feasibility",
        Refinement = "refinement",
        Planning = "planning",
    }
);

choice!(
    Outcome {
        Go = "go",
        GoWithRisks = "go-with-risks",
        SpikeNeeded = "spike-needed",
        NoGo = "no-go",
    }
);

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Go => "Go",
            Outcome::GoWithRisks => "Go, with risks",
            Outcome::SpikeNeeded => "Spike needed",
            Outcome::NoGo => "No go",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Dissent {
    pub by: Text,
    pub opinion: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checkin {
    pub date: Date,
    #[serde(skip)]
    pub date_loc: Loc,
    pub feature: Text,
    pub kind: CheckinKind,
    pub attendees: Vec<Text>,
    pub minutes: Option<u32>,
    pub outcome: Option<Outcome>,
    pub risks: Vec<String>,
    pub decisions: Vec<String>,
    pub dissent: Vec<Dissent>,
    #[serde(skip)]
    pub loc: Loc,
}

pub const KEYS: &[&str] = &[
    "date",
    "feature",
    "kind",
    "attendees",
    "minutes",
    "outcome",
    "risks",
    "decisions",
    "dissent",
];
const DISSENT_KEYS: &[&str] = &["by", "opinion"];

impl Checkin {
    pub fn read(record: &mut Record) -> Option<Checkin> {
        let date = record.required_date("date");
        let feature = record.reference("feature", Referent::Feature, true);
        let kind = record.required_choice("kind");
        let attendees = record.reference_list("attendees", Referent::Person);
        let minutes = record.integer("minutes", 1..=1440, "").map(|m| m as u32);
        let outcome = record.choice("outcome");
        let risks = record.text_list("risks", false);
        let decisions = record.text_list("decisions", false);
        let dissent = read_dissent(record);
        let (date, date_loc) = date?;
        Some(Checkin {
            date,
            date_loc,
            feature: feature?,
            kind: kind?,
            attendees,
            minutes,
            outcome,
            risks: risks.into_iter().map(|t| t.value).collect(),
            decisions: decisions.into_iter().map(|t| t.value).collect(),
            dissent: dissent?,
            loc: record.loc(),
        })
    }
}

/// Reads `[[checkin.dissent]]`; `None` if any entry was malformed.
fn read_dissent(record: &mut Record) -> Option<Vec<Dissent>> {
    let tables = record.tables("dissent");
    let (file, file_id) = (record.file(), record.file_id());
    let mut all = Some(Vec::new());
    for (table, span) in tables {
        let mut entry = Record::new(
            file,
            file_id,
            table,
            span,
            "[[checkin.dissent]]",
            DISSENT_KEYS,
            record.errors(),
        );
        let by = entry.reference("by", Referent::Person, true);
        let opinion = entry.required_text("opinion");
        let references = entry.take_references();
        entry.finish();
        record.add_references(references);
        match (by, opinion, all.as_mut()) {
            (Some(by), Some(opinion), Some(list)) => list.push(Dissent {
                by,
                opinion: opinion.value,
            }),
            _ => all = None,
        }
    }
    all
}
