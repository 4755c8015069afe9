//! Checks that span files: ids are unique per kind and every reference names
//! an existing id.

use std::collections::HashMap;

use super::reader::{Reference, Referent, Text};
use super::Data;
use crate::diagnostics::{quoted, suggest, Diagnostic};

/// Checks ids are unique and every one of `references` (the ids records
/// name, [`super::reader::Record::reference`]) names a record.
pub fn references(data: &Data, references: &[Reference], errors: &mut Vec<Diagnostic>) {
    let people = unique_ids(data, data.people.iter().map(|p| &p.id), "person", errors);
    let features = unique_ids(data, data.features.iter().map(|f| &f.id), "feature", errors);
    // Mistakes within the records read, whatever an unreadable file holds.
    one_score_each(data, errors);
    for c in &data.checkins {
        listed_once(data, &c.attendees, "attendees", errors);
    }
    for d in &data.demos {
        listed_once(data, &d.features, "features", errors);
        listed_once(data, &d.attendees, "attendees", errors);
    }
    if data.unparsed {
        // With a file unreadable, any reference may point into it: reporting
        // them all would bury the one real error.
        return;
    }

    for Reference { key, to, text } in references {
        let (ids, declared) = match to {
            Referent::Person => (&people, &data.declared.people),
            Referent::Feature => (&features, &data.declared.features),
        };
        if ids.contains_key(text.value.as_str()) || declared.contains(&text.value) {
            continue;
        }
        let kind = to.name();
        let file = &data.files[text.loc.file];
        let mut d = file.error(
            text.loc.span.clone(),
            format!(
                "`{key}` is {}, but no {kind} has that id",
                quoted(&text.value)
            ),
        );
        d.help = Some(match suggest(&text.value, ids.keys().copied()) {
            Some(nearest) => format!("did you mean \"{nearest}\"?"),
            None => format!(
                "add a [[{kind}]] with id = {}, or fix the reference",
                quoted(&text.value)
            ),
        });
        errors.push(d);
    }
}

/// Reports a second score by one person of one candidate. Both would count
/// in the median and the spread as two people's (a copied `[[score]]`
/// whose `by` was not changed makes a disagreement out of nothing); a
/// re-score edits the score, and git keeps the old one.
fn one_score_each(data: &Data, errors: &mut Vec<Diagnostic>) {
    let mut first: HashMap<(&str, &str), &Text> = HashMap::new();
    for s in &data.scores {
        let key = (s.feature.value.as_str(), s.by.value.as_str());
        let Some(earlier) = first.get(&key) else {
            first.insert(key, &s.by);
            continue;
        };
        errors.push(
            data.files[s.by.loc.file]
                .error(
                    s.by.loc.span.clone(),
                    format!(
                        "{} has already scored {}: one score per person and candidate",
                        quoted(&s.by.value),
                        quoted(&s.feature.value)
                    ),
                )
                .with_help(format!(
                    "the first is at {}; to re-score, edit that one (git keeps the old), or fix `by` if this one is someone else's",
                    where_is(data, earlier)
                )),
        );
    }
}

/// Warns of an id written twice in one list (`attendees = ["lee", "lee"]`),
/// at the second. It counts once either way, and pages show it once; the
/// warning is for the name that was probably meant instead.
fn listed_once(data: &Data, list: &[Text], key: &str, errors: &mut Vec<Diagnostic>) {
    for (i, id) in list.iter().enumerate() {
        if !Text::repeats_earlier(list, i) {
            continue;
        }
        errors.push(
            data.files[id.loc.file]
                .error(
                    id.loc.span.clone(),
                    format!("{} is already listed in `{key}`", quoted(&id.value)),
                )
                .with_help("it counts once; remove it, or write the id that was meant")
                .warning(),
        );
    }
}

/// Maps id to its first definition, reporting later duplicates with a
/// pointer to the first one.
fn unique_ids<'a>(
    data: &'a Data,
    ids: impl Iterator<Item = &'a Text>,
    kind: &str,
    errors: &mut Vec<Diagnostic>,
) -> HashMap<&'a str, &'a Text> {
    let mut seen: HashMap<&str, &Text> = HashMap::new();
    for id in ids {
        if let Some(first) = seen.get(id.value.as_str()) {
            let d = data.files[id.loc.file]
                .error(
                    id.loc.span.clone(),
                    format!("duplicate {kind} id {}", quoted(&id.value)),
                )
                .with_help(format!("first defined at {}", where_is(data, first)));
            errors.push(d);
        } else {
            seen.insert(&id.value, id);
        }
    }
    seen
}

/// `file:line` of `text`, for a help that points at an earlier record.
fn where_is(data: &Data, text: &Text) -> String {
    let file = &data.files[text.loc.file];
    let (line, _) = file.position(text.loc.span.start);
    format!("{}:{line}", file.path.display())
}
