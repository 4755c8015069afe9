//! The dashboard pages and "this week": which charts and lists each shows.
//! Everything here is computed from the derived model; nothing is read.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Context;

use super::context::{job, Job, Shared};
use crate::calendar::Date;
use crate::charts::bars::{Bars, Series};
use crate::charts::gap::{self, Axis};
use crate::charts::{matrix, palette, Chart};
use crate::data::{Outcome, Status};
use crate::model::{Candidate, CheckinView, Model};
use crate::site::Site;

/// Status groups that get a matrix of their own.
pub const STATUS_GROUPS: &[(&str, &str, &[Status])] = &[
    (
        "exploring",
        "Exploring (discovery and refinement)",
        &[Status::Discovery, Status::Refinement],
    ),
    (
        "committed",
        "Committed (planned and in progress)",
        &[Status::Planned, Status::InProgress],
    ),
    ("shipped", "Shipped", &[Status::Shipped]),
    ("dropped", "Dropped", &[Status::Dropped]),
];

/// How many weeks of check-ins the weekly chart shows.
const WEEKS: i64 = 12;

#[derive(Serialize)]
struct Filter {
    label: String,
    url: String,
    count: usize,
    current: bool,
}

#[derive(Serialize)]
struct Risk<'a> {
    risk: &'a str,
    checkin: &'a CheckinView,
}

#[derive(Serialize)]
struct Opinion<'a> {
    by: &'a crate::model::PersonRef,
    opinion: &'a str,
    checkin: &'a CheckinView,
}

#[derive(Serialize)]
struct PageDue {
    title: String,
    url: String,
    review_by: Option<Date>,
    owner: Option<String>,
}

fn by_priority(model: &Model, keep: impl Fn(&Candidate) -> bool) -> Vec<&Candidate> {
    model.in_priority_order(keep)
}

/// A matrix page's filter: its label, path and candidates.
type MatrixFilter<'a> = (String, String, Vec<&'a Candidate>);

/// The dashboards and "this week". Their charts are drawn when their page
/// renders, so they are drawn once each and in parallel with other pages.
pub fn jobs<'a>(shared: &'a Shared<'a>) -> Vec<Job<'a>> {
    let url = |path: &str| format!("{}{path}", shared.base);
    let mut jobs = vec![job(
        "dashboards/index.html",
        "dashboards/index.html".into(),
        &url("dashboards/"),
        |_| {},
    )];
    jobs.extend(matrix_jobs(shared));
    jobs.extend(other_dashboards(shared));
    jobs.push(this_week(shared, &url("this-week/")));
    jobs
}

/// A dashboard: `dashboards/<name>.html` rendered into `dashboards/<name>/`.
fn dashboard<'a>(
    shared: &Shared,
    name: &str,
    fill: impl Fn(&mut Context) + Send + Sync + 'a,
) -> Job<'a> {
    let url = format!("{}dashboards/{name}/", shared.base);
    let template = format!("dashboards/{name}.html");
    job(
        template,
        format!("dashboards/{name}/index.html"),
        &url,
        fill,
    )
}

/// The main matrix and its versions filtered by tag and by status.
fn matrix_jobs<'a>(shared: &'a Shared<'a>) -> Vec<Job<'a>> {
    let model = &shared.site.model;
    let tag_filters: Vec<MatrixFilter> = model
        .tags
        .keys()
        .map(|tag| {
            (
                tag.clone(),
                format!(
                    "dashboards/matrix/tags/{}/",
                    crate::content::markdown::slugify(tag)
                ),
                by_priority(model, |c| c.open && c.tags.contains(tag)),
            )
        })
        .collect();
    let status_filters: Vec<MatrixFilter> = STATUS_GROUPS
        .iter()
        .map(|(key, label, statuses)| {
            (
                label.to_string(),
                format!("dashboards/matrix/status/{key}/"),
                by_priority(model, |c| statuses.contains(&c.status)),
            )
        })
        .collect();
    let matrix_page = |path: String, heading: String, intro: String, candidates| {
        let tags = filters(shared, &tag_filters, &path);
        let statuses = filters(shared, &status_filters, &path);
        matrix_job(shared, path, heading, intro, candidates, [tags, statuses])
    };
    let mut jobs = vec![matrix_page(
        "dashboards/matrix/".into(),
        "Impact vs effort".into(),
        "Every open candidate at the consensus of its scores. Numbers follow the priority order."
            .into(),
        by_priority(model, |c| c.open),
    )];
    for (tag, path, cands) in &tag_filters {
        jobs.push(matrix_page(
            path.clone(),
            format!("Impact vs effort: {tag}"),
            format!("Open candidates tagged \u{201c}{tag}\u{201d}."),
            cands.clone(),
        ));
    }
    for (label, path, cands) in &status_filters {
        jobs.push(matrix_page(
            path.clone(),
            format!(
                "Impact vs effort: {}",
                label.split(" (").next().unwrap_or(label)
            ),
            format!("Candidates in {}.", label.to_lowercase()),
            cands.clone(),
        ));
    }
    jobs
}

/// A matrix page's links to its sibling pages, `current` marking its own.
fn filters(shared: &Shared, list: &[MatrixFilter], current: &str) -> Vec<Filter> {
    list.iter()
        .map(|(label, path, cands)| Filter {
            label: label.clone(),
            url: format!("{}{path}", shared.base),
            count: cands.iter().filter(|c| c.consensus.is_some()).count(),
            current: path == current,
        })
        .collect()
}

fn matrix_job<'a>(
    shared: &'a Shared<'a>,
    path: String,
    heading: String,
    intro: String,
    candidates: Vec<&'a Candidate>,
    [tags, statuses]: [Vec<Filter>; 2],
) -> Job<'a> {
    let is_main = path == "dashboards/matrix/";
    let page_url = format!("{}{path}", shared.base);
    job(
        "dashboards/matrix.html",
        format!("{path}index.html"),
        &page_url,
        move |c| {
            let config = &shared.site.config.matrix;
            let chart = matrix::chart("matrix", &heading, &candidates, config);
            let unplaced: Vec<&Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| c.consensus.is_none())
                .collect();
            c.insert("heading", &heading);
            c.insert("intro", &intro);
            c.insert("chart", &chart);
            c.insert("unplaced", &shared.values(&unplaced));
            c.insert("tag_filters", &tags);
            c.insert("status_filters", &statuses);
            c.insert("is_main", &is_main);
        },
    )
}

/// The dashboards other than the matrices.
fn other_dashboards<'a>(shared: &'a Shared<'a>) -> [Job<'a>; 5] {
    let model = &shared.site.model;
    let matrix = &shared.site.config.matrix;
    [
        dashboard(shared, "estimates", move |c| {
            let open = by_priority(model, |c| c.open);
            let gaps = [
                gap::chart("gap-impact", &open, Axis::Impact, matrix.impact_max),
                gap::chart("gap-effort", &open, Axis::Effort, matrix.effort_max),
            ];
            c.insert("charts", &gaps);
            c.insert("flagged", &shared.pick(&model.disagreements));
        }),
        dashboard(shared, "priorities", move |c| {
            c.insert("ordered", &shared.pick(&model.priority));
            c.insert("unplaced", &shared.pick(&model.unplaced));
            c.insert("effort_chart", &effort_by_kind(model));
        }),
        dashboard(shared, "checkins", move |c| {
            c.insert("needs_checkin", &shared.pick(&model.coverage.needs_checkin));
            c.insert("weekly_chart", &checkins_per_week(model));
            c.insert("outcomes", &outcome_counts(model));
            c.insert("risks", &risks(model));
        }),
        dashboard(shared, "demos", move |c| {
            c.insert("undemoed", &shared.pick(&model.coverage.undemoed_shipped));
            c.insert("demos_chart", &demos_per_month(model));
        }),
        dashboard(shared, "dissent", move |c| {
            c.insert("rate_chart", &dissent_per_month(model));
            c.insert("opinions", &opinions(model));
        }),
    ]
}

/// Every risk raised at a check-in, with its check-in.
fn risks(model: &Model) -> Vec<Risk<'_>> {
    let mut list = Vec::new();
    for checkin in &model.checkins {
        list.extend(checkin.risks.iter().map(|risk| Risk { risk, checkin }));
    }
    list
}

/// Every dissenting opinion recorded at a check-in, with its check-in.
fn opinions(model: &Model) -> Vec<Opinion<'_>> {
    let mut list = Vec::new();
    for checkin in model.held_checkins() {
        list.extend(checkin.dissent.iter().map(|d| Opinion {
            by: &d.by,
            opinion: &d.opinion,
            checkin,
        }));
    }
    list
}

fn this_week<'a>(shared: &'a Shared<'a>, page_url: &str) -> Job<'a> {
    use crate::data::reader::Choice;
    job(
        "this-week.html",
        "this-week/index.html".into(),
        page_url,
        move |c| {
            let site = shared.site;
            let model = &site.model;
            // Shipped work nobody has seen, then work in progress never demoed.
            let mut to_demo = shared.pick(&model.coverage.undemoed_shipped);
            to_demo.extend(shared.values(&by_priority(model, |c| {
                c.status == Status::InProgress && !c.demoed
            })));
            // A candidate whose check-in is scheduled in time has nothing to
            // schedule; one booked after it is due stays, to bring forward.
            let to_schedule: Vec<String> = (model.coverage.needs_checkin.iter())
                .filter(|id| model.candidate(id).is_some_and(booked_late_or_not_at_all))
                .cloned()
                .collect();
            c.insert("schedule", &shared.pick(&to_schedule));
            c.insert("to_demo", &to_demo);
            c.insert("unrecorded", &unrecorded_checkins(model, site.today));
            // The values as the data writes them, so the advice cannot
            // drift from what the reader accepts.
            let outcomes: Vec<&str> = (Outcome::ALL.iter()).map(|(name, _)| *name).collect();
            c.insert("outcome_values", &outcomes);
            c.insert("upcoming", &upcoming_checkins(model, site.today));
            c.insert("refine", &shared.pick(&model.disagreements));
            c.insert("pages_due", &pages_due(site));
            c.insert("week_of", &site.today.week_start().human());
        },
    )
}

/// Whether candidate `c`'s feasibility check-in is still to schedule: none
/// is booked, or the one booked is after the day it is due.
fn booked_late_or_not_at_all(c: &Candidate) -> bool {
    match (c.checkin_scheduled, c.checkin_due) {
        (None, _) => true,
        (Some(booked), Some(due)) => booked > due,
        (Some(_), None) => false,
    }
}

/// How far back "this week" asks for missing outcomes: what was decided
/// is worth writing down while the people who were there remember it.
const UNRECORDED_WITHIN_DAYS: i64 = 28;

/// Check-ins held before today, in the last four weeks, that record no
/// outcome: oldest first. Today's may not have taken place yet, or may be
/// written up tonight.
fn unrecorded_checkins(model: &Model, today: Date) -> Vec<&CheckinView> {
    by_date(
        (model.held_checkins())
            .filter(|c| c.outcome.is_none() && c.date < today)
            .filter(|c| today.days_since(c.date) <= UNRECORDED_WITHIN_DAYS)
            .collect(),
    )
}

/// Check-ins in the next two weeks, soonest first.
fn upcoming_checkins(model: &Model, today: Date) -> Vec<&CheckinView> {
    by_date(
        (model.checkins.iter())
            .filter(|c| c.date >= today && c.date.days_since(today) <= 14)
            .collect(),
    )
}

/// `list` by date; meetings of one day by candidate id, whatever their
/// order in the files.
fn by_date(mut list: Vec<&CheckinView>) -> Vec<&CheckinView> {
    list.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then_with(|| a.candidate.id.cmp(&b.candidate.id))
    });
    list
}

/// Handbook pages due for review, soonest first.
fn pages_due(site: &Site) -> Vec<PageDue> {
    let model = &site.model;
    let mut pages_due: Vec<PageDue> = site
        .content
        .all_pages()
        .filter(|p| p.due_for_review)
        .map(|p| PageDue {
            title: p.title.clone(),
            url: p.url.clone(),
            review_by: p.review_by,
            owner: p
                .owner
                .as_ref()
                .and_then(|o| model.people.iter().find(|x| x.id == o.value))
                .map(|x| x.name.clone()),
        })
        .collect();
    pages_due.sort_by(|a, b| {
        a.review_by
            .cmp(&b.review_by)
            .then_with(|| a.title.cmp(&b.title))
    });
    pages_due
}

/// Share of committed effort (planned and in progress) per kind of work.
fn effort_by_kind(model: &Model) -> Chart {
    use crate::data::reader::Choice;
    let committed: Vec<&Candidate> = model
        .candidates
        .iter()
        .filter(|c| matches!(c.status, Status::Planned | Status::InProgress))
        .collect();
    let total: f64 = committed
        .iter()
        .filter_map(|c| c.consensus)
        .map(|p| p.effort)
        .sum();
    let kinds: Vec<crate::data::Kind> = crate::data::Kind::ALL.iter().map(|(_, k)| *k).collect();
    let values: Vec<f64> = kinds
        .iter()
        .map(|k| {
            committed
                .iter()
                .filter(|c| c.kind == *k)
                .filter_map(|c| c.consensus)
                .map(|p| p.effort)
                .sum::<f64>()
        })
        .map(|v| if total > 0.0 { v / total } else { 0.0 })
        .collect();
    let technical: f64 = values.iter().skip(1).sum();
    Bars {
        id: "effort-by-kind",
        title: "Committed effort by kind of work",
        summary: format!(
            "Share of the consensus effort of planned and in-progress candidates, by kind. Technical work (tech debt, refactoring, scalability, bugs) is {}% of it.",
            crate::charts::num(technical * 100.0)
        ),
        categories: kinds.iter().map(|k| k.label().to_string()).collect(),
        series: vec![Series { name: "Share of effort".into(), role: palette::ACCENT, values }],
        y_label: "Share of committed effort",
        percent: true,
        empty_message: "No planned or in-progress candidate has an effort estimate yet.",
    }
    .chart()
    .with_empty_if(total == 0.0, "No planned or in-progress candidate has an effort estimate yet.")
}

fn outcome_role(outcome: Option<Outcome>) -> crate::charts::Role {
    match outcome {
        Some(Outcome::Go) => palette::GO,
        Some(Outcome::GoWithRisks) => palette::GO_WITH_RISKS,
        Some(Outcome::SpikeNeeded) => palette::SPIKE_NEEDED,
        Some(Outcome::NoGo) => palette::NO_GO,
        None => palette::NONE,
    }
}

const OUTCOMES: [Option<Outcome>; 5] = [
    Some(Outcome::Go),
    Some(Outcome::GoWithRisks),
    Some(Outcome::SpikeNeeded),
    Some(Outcome::NoGo),
    None,
];

#[derive(Serialize)]
struct OutcomeCount {
    label: &'static str,
    class: &'static str,
    count: usize,
}

fn outcome_counts(model: &Model) -> Vec<OutcomeCount> {
    OUTCOMES
        .iter()
        .map(|o| OutcomeCount {
            label: o.map(Outcome::label).unwrap_or("No outcome recorded"),
            class: outcome_role(*o).class,
            count: model.held_checkins().filter(|c| c.outcome == *o).count(),
        })
        .filter(|o| o.count > 0)
        .collect()
}

/// Check-ins of the last twelve weeks up to today, by outcome.
fn checkins_per_week(model: &Model) -> Chart {
    let this_week = model.today.week_start();
    let weeks: Vec<Date> = (0..WEEKS)
        .rev()
        .map(|i| this_week.add_days(-7 * i))
        .collect();
    let series = OUTCOMES
        .iter()
        .map(|o| Series {
            name: o.map(Outcome::label).unwrap_or("No outcome").to_string(),
            role: outcome_role(*o),
            values: weeks
                .iter()
                .map(|w| {
                    model
                        .held_checkins()
                        .filter(|c| c.outcome == *o && c.date.week_start() == *w)
                        .count() as f64
                })
                .collect(),
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0))
        .collect::<Vec<_>>();
    let total: f64 = series.iter().flat_map(|s| &s.values).sum();
    Bars {
        id: "checkins-per-week",
        title: "Check-ins per week, by outcome",
        summary: format!("{} check-ins, refinement sessions and planning meetings in the twelve weeks up to the week of {}, stacked by outcome.", total, this_week.human()),
        categories: weeks.iter().map(|w| w.human().rsplit_once(' ').map(|(d, _)| d.to_string()).unwrap_or_default()).collect(),
        series,
        y_label: "Check-ins",
        percent: false,
        empty_message: "No check-ins in the last twelve weeks.",
    }
    .chart()
}

/// `2026-08` → `Aug 2026`.
fn month_label(month: &str) -> String {
    let (year, m) = month.split_once('-').unwrap_or((month, "01"));
    let day = Date::from_ymd(year.parse().unwrap_or(1970), m.parse().unwrap_or(1), 1);
    day.map(|d| {
        d.human()
            .split_once(' ')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
    })
    .unwrap_or_else(|| month.to_string())
}

/// Months (as `YYYY-MM`) from the first to the last of `dates`.
fn month_span(dates: impl Iterator<Item = Date>) -> Vec<String> {
    let months: Vec<String> = dates.map(|d| d.to_string()[..7].to_string()).collect();
    let (Some(first), Some(last)) = (months.iter().min().cloned(), months.iter().max().cloned())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut y, mut m): (i32, u32) = (
        first[..4].parse().unwrap_or(0),
        first[5..].parse().unwrap_or(1),
    );
    loop {
        let key = format!("{y:04}-{m:02}");
        let done = key >= last || out.len() > 240;
        out.push(key);
        if done {
            break;
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    out
}

/// `3 demos from Aug 2026 to Nov 2026.`, `1 demo in Nov 2026.`
fn demos_summary(given: usize, months: &[String]) -> String {
    let demos = if given == 1 { "demo" } else { "demos" };
    match (months.first(), months.last()) {
        (Some(first), Some(last)) if first == last => {
            format!("{given} {demos} in {}.", month_label(first))
        }
        (Some(first), Some(last)) => format!(
            "{given} {demos} from {} to {}.",
            month_label(first),
            month_label(last)
        ),
        _ => format!("{given} {demos}."),
    }
}

fn demos_per_month(model: &Model) -> Chart {
    let months = month_span(model.given_demos().map(|d| d.date));
    let mut counts: BTreeMap<&str, f64> = BTreeMap::new();
    let keys: Vec<String> = model
        .given_demos()
        .map(|d| d.date.to_string()[..7].to_string())
        .collect();
    for k in &keys {
        *counts.entry(k.as_str()).or_default() += 1.0;
    }
    Bars {
        id: "demos-per-month",
        title: "Demos per month",
        summary: demos_summary(model.given_demos().count(), &months),
        series: vec![Series {
            name: "Demos".into(),
            role: palette::ACCENT,
            values: months
                .iter()
                .map(|m| counts.get(m.as_str()).copied().unwrap_or(0.0))
                .collect(),
        }],
        categories: months.iter().map(|m| month_label(m)).collect(),
        y_label: "Demos",
        percent: false,
        empty_message: "No demos recorded yet.",
    }
    .chart()
}

fn dissent_per_month(model: &Model) -> Chart {
    let months = month_span(model.held_checkins().map(|c| c.date));
    let rate = |month: &str| {
        let in_month: Vec<&CheckinView> = model
            .held_checkins()
            .filter(|c| c.date.to_string().starts_with(month))
            .collect();
        let with = in_month.iter().filter(|c| !c.dissent.is_empty()).count();
        if in_month.is_empty() {
            0.0
        } else {
            with as f64 / in_month.len() as f64
        }
    };
    let overall = model
        .dissent
        .rate
        .map(|r| format!("{}%", crate::charts::num(r * 100.0)))
        .unwrap_or_else(|| "no".into());
    Bars {
        id: "dissent-rate",
        title: "Dissent rate per month",
        summary: format!("Share of check-ins each month that recorded at least one dissenting opinion; {overall} overall."),
        series: vec![Series { name: "Dissent rate".into(), role: palette::ACCENT, values: months.iter().map(|m| rate(m)).collect() }],
        categories: months.iter().map(|m| month_label(m)).collect(),
        y_label: "Check-ins with dissent",
        percent: true,
        empty_message: "No check-ins recorded yet, so there is no dissent rate.",
    }
    .chart()
}
