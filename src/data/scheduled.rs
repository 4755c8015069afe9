//! Check-ins and demos dated after today: meetings booked, not yet held.
//!
//! The model counts them for nothing until their day. One that already
//! records what happened at it was most likely held, with its date
//! mistyped (2027 for 2026), and would silently leave its candidate shown
//! as needing a check-in or a demo: that gets a warning at the date.

use super::reader::Loc;
use super::Data;
use crate::calendar::Date;
use crate::diagnostics::Diagnostic;

/// Whether a meeting on `date` is still ahead on `today`: scheduled, not
/// held. A meeting today has been held (teams log it afterwards).
pub fn is_ahead(date: Date, today: Date) -> bool {
    date > today
}

/// A warning for each check-in or demo dated after `today` that records
/// an outcome, decisions, dissent or a recording.
pub fn recorded_ahead(data: &Data, today: Date) -> Vec<Diagnostic> {
    let ahead = |date: Date| is_ahead(date, today);
    let checkins = (data.checkins.iter().filter(|c| ahead(c.date))).map(|c| {
        let recorded = vec![
            ("an outcome", c.outcome.is_some()),
            ("decisions", !c.decisions.is_empty()),
            ("dissent", !c.dissent.is_empty()),
        ];
        ("check-in", c.date, &c.date_loc, recorded)
    });
    let demos = (data.demos.iter().filter(|d| ahead(d.date))).map(|d| {
        let recorded = vec![("a recording", d.recording.is_some())];
        ("demo", d.date, &d.date_loc, recorded)
    });
    let mut warnings = Vec::new();
    for (what, date, loc, recorded) in checkins.chain(demos) {
        let recorded: Vec<&str> = (recorded.into_iter())
            .filter_map(|(field, present)| present.then_some(field))
            .collect();
        if !recorded.is_empty() {
            warnings.push(warning(data, what, date, loc, today, &recorded));
        }
    }
    warnings
}

fn warning(
    data: &Data,
    what: &str,
    date: Date,
    loc: &Loc,
    today: Date,
    recorded: &[&str],
) -> Diagnostic {
    data.files[loc.file]
        .error(
            loc.span.clone(),
            format!(
                "this {what} is dated {date}, after today ({today}), but records {}",
                and_list(recorded)
            ),
        )
        .with_help(format!(
            "a {what} dated ahead is a scheduled one and counts for nothing until its day; if it took place, correct its date"
        ))
        .warning()
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::and_list;

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(and_list(&["an outcome"]), "an outcome");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}
