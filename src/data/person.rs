//! `[[person]]`: someone who owns, scores, attends or presents.

use serde::Serialize;

use super::reader::{Loc, Record, Text};
use crate::choice;

choice!(
    /// What a person brings to the table; scores are grouped by it to compare
    /// product's view with engineering's.
    Role {
        Product = "product",
        Engineering = "engineering",
        Design = "design",
        Leadership = "leadership",
    }
);

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: Text,
    pub name: String,
    pub role: Role,
    #[serde(skip)]
    pub loc: Loc,
}

pub const KEYS: &[&str] = &["id", "name", "role"];

impl Person {
    pub fn read(record: &mut Record) -> Option<Person> {
        let id = record.slug("id", true);
        let name = record.required_text("name");
        let role = record.required_choice("role");
        Some(Person {
            id: id?,
            name: name?.value,
            role: role?,
            loc: record.loc(),
        })
    }
}
