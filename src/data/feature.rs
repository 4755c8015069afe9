//! `[[feature]]`: a candidate for the team's time, either product work or
//! technical work (tech debt, refactoring, scalability, bugs).

use serde::Serialize;

use super::reader::{Loc, Record, Referent, Text};
use crate::calendar::Date;
use crate::choice;
use crate::config::MatrixConfig;

choice!(
    Kind {
        Feature = "feature",
        TechDebt = "tech-debt",
        Refactor = "refactor",
        Scalability = "scalability",
        Bug = "bug",
    }
);

impl Kind {
    /// Technical work is everything that is not a user-facing feature; the
    /// dashboards report its share of planned effort.
    pub fn is_technical(self) -> bool {
        self != Kind::Feature
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Feature => "Feature",
            Kind::TechDebt => "Tech debt",
            Kind::Refactor => "Refactor",
            Kind::Scalability => "Scalability",
            Kind::Bug => "Bug",
        }
    }
}

choice!(
    /// Where a candidate is in its life, in order.
    Status {
        Discovery = "discovery",
        Refinement = "refinement",
        Planned = "planned",
        InProgress = "in-progress",
        Shipped = "shipped",
        Dropped = "dropped",
    }
);

impl Status {
    /// Work that is still to be done and so still needs a check-in before
    /// the team commits to it.
    pub fn is_active_after_discovery(self) -> bool {
        matches!(
            self,
            Status::Refinement | Status::Planned | Status::InProgress
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Discovery => "Discovery",
            Status::Refinement => "Refinement",
            Status::Planned => "Planned",
            Status::InProgress => "In progress",
            Status::Shipped => "Shipped",
            Status::Dropped => "Dropped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Feature {
    pub id: Text,
    pub title: String,
    pub kind: Kind,
    pub status: Status,
    pub problem: Option<String>,
    pub value: Option<String>,
    pub product_owner: Option<Text>,
    pub eng_owner: Option<Text>,
    pub impact: Option<u32>,
    pub effort: Option<u32>,
    pub discovery_done: Option<Date>,
    pub tags: Vec<Text>,
    #[serde(skip)]
    pub loc: Loc,
}

pub const KEYS: &[&str] = &[
    "id",
    "title",
    "kind",
    "status",
    "problem",
    "value",
    "product_owner",
    "eng_owner",
    "impact",
    "effort",
    "discovery_done",
    "tags",
];

impl Feature {
    pub fn read(record: &mut Record, matrix: &MatrixConfig) -> Option<Feature> {
        let id = record.slug("id", true);
        let title = record.required_text("title");
        let kind = record.choice("kind").unwrap_or(Kind::Feature);
        let status = record.required_choice("status");
        let impact = record.integer(
            "impact",
            1..=matrix.impact_max as i64,
            " (matrix.impact_max)",
        );
        let effort = record.integer(
            "effort",
            1..=matrix.effort_max as i64,
            " (matrix.effort_max)",
        );
        Some(Feature {
            problem: record.text("problem").map(|t| t.value),
            value: record.text("value").map(|t| t.value),
            product_owner: record.reference("product_owner", Referent::Person, false),
            eng_owner: record.reference("eng_owner", Referent::Person, false),
            impact: impact.map(|n| n as u32),
            effort: effort.map(|n| n as u32),
            discovery_done: record.date("discovery_done").map(|(d, _)| d),
            tags: record.text_list("tags", true),
            id: id?,
            title: title?.value,
            kind,
            status: status?,
            loc: record.loc(),
        })
    }
}
