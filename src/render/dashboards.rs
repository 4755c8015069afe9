//! The dashboard pages and "this week": which charts and lists each shows.
//! Everything here is computed from the derived model; nothing is read.

use std::collections::BTreeMap;

use serde::Serialize;

use super::context::{job, Job};
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

/// Candidates by id, in the order of `ids`.
fn pick<'a>(model: &'a Model, ids: &[String]) -> Vec<&'a Candidate> {
    ids.iter().filter_map(|id| model.candidate(id)).collect()
}

fn by_priority(model: &Model, keep: impl Fn(&Candidate) -> bool) -> Vec<&Candidate> {
    model.in_priority_order(keep)
}

pub fn jobs(site: &Site) -> Vec<Job> {
    let base = site.config.base_path();
    let model = &site.model;
    let mut jobs = Vec::new();
    let url = |path: &str| format!("{base}{path}");

    jobs.push(job(
        "dashboards/index.html",
        "dashboards/index.html".into(),
        &url("dashboards/"),
        |_| {},
    ));

    // The main matrix and its filtered versions.
    let tag_filters: Vec<(String, String, Vec<&Candidate>)> = model
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
    let status_filters: Vec<(String, String, Vec<&Candidate>)> = STATUS_GROUPS
        .iter()
        .map(|(key, label, statuses)| {
            (
                label.to_string(),
                format!("dashboards/matrix/status/{key}/"),
                by_priority(model, |c| statuses.contains(&c.status)),
            )
        })
        .collect();
    let filters = |list: &[(String, String, Vec<&Candidate>)], current: &str| -> Vec<Filter> {
        list.iter()
            .map(|(label, path, cands)| Filter {
                label: label.clone(),
                url: url(path),
                count: cands.iter().filter(|c| c.consensus.is_some()).count(),
                current: path == current,
            })
            .collect()
    };
    let mut matrix_page =
        |path: String, heading: String, intro: String, candidates: Vec<&Candidate>| {
            let chart = matrix::chart("matrix", &heading, &candidates, &site.config.matrix);
            let unplaced: Vec<&Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| c.consensus.is_none())
                .collect();
            let tags = filters(&tag_filters, &path);
            let statuses = filters(&status_filters, &path);
            jobs.push(job(
                "dashboards/matrix.html",
                format!("{path}index.html"),
                &url(&path),
                |c| {
                    c.insert("heading", &heading);
                    c.insert("intro", &intro);
                    c.insert("chart", &chart);
                    c.insert("unplaced", &unplaced);
                    c.insert("tag_filters", &tags);
                    c.insert("status_filters", &statuses);
                    c.insert("is_main", &(path == "dashboards/matrix/"));
                },
            ));
        };
    matrix_page(
        "dashboards/matrix/".into(),
        "Impact vs effort".into(),
        "Every open candidate at the consensus of its scores. Numbers follow the priority order."
            .into(),
        by_priority(model, |c| c.open),
    );
    for (tag, path, cands) in &tag_filters {
        matrix_page(
            path.clone(),
            format!("Impact vs effort: {tag}"),
            format!("Open candidates tagged \u{201c}{tag}\u{201d}."),
            cands.clone(),
        );
    }
    for (label, path, cands) in &status_filters {
        matrix_page(
            path.clone(),
            format!(
                "Impact vs effort: {}",
                label.split(" (").next().unwrap_or(label)
            ),
            format!("Candidates in {}.", label.to_lowercase()),
            cands.clone(),
        );
    }

    let open = by_priority(model, |c| c.open);
    let impact_max = site.config.matrix.impact_max;
    let effort_max = site.config.matrix.effort_max;
    let gaps = [
        gap::chart("gap-impact", &open, Axis::Impact, impact_max),
        gap::chart("gap-effort", &open, Axis::Effort, effort_max),
    ];
    let flagged = pick(model, &model.disagreements);
    jobs.push(job(
        "dashboards/estimates.html",
        "dashboards/estimates/index.html".into(),
        &url("dashboards/estimates/"),
        |c| {
            c.insert("charts", &gaps);
            c.insert("flagged", &flagged);
        },
    ));

    let ordered = pick(model, &model.priority);
    let effort = effort_by_kind(model);
    jobs.push(job(
        "dashboards/priorities.html",
        "dashboards/priorities/index.html".into(),
        &url("dashboards/priorities/"),
        |c| {
            c.insert("ordered", &ordered);
            c.insert("unplaced", &pick(model, &model.unplaced));
            c.insert("effort_chart", &effort);
        },
    ));

    let needs = pick(model, &model.coverage.needs_checkin);
    let weekly = checkins_per_week(model);
    let risks: Vec<Risk> = model
        .checkins
        .iter()
        .flat_map(|c| {
            c.risks.iter().map(move |r| Risk {
                risk: r,
                checkin: c,
            })
        })
        .collect();
    let outcomes = outcome_counts(&model.checkins);
    jobs.push(job(
        "dashboards/checkins.html",
        "dashboards/checkins/index.html".into(),
        &url("dashboards/checkins/"),
        |c| {
            c.insert("needs_checkin", &needs);
            c.insert("weekly_chart", &weekly);
            c.insert("outcomes", &outcomes);
            c.insert("risks", &risks);
        },
    ));

    let undemoed = pick(model, &model.coverage.undemoed_shipped);
    let demos_chart = demos_per_month(model);
    jobs.push(job(
        "dashboards/demos.html",
        "dashboards/demos/index.html".into(),
        &url("dashboards/demos/"),
        |c| {
            c.insert("undemoed", &undemoed);
            c.insert("demos_chart", &demos_chart);
        },
    ));

    let rate = dissent_per_month(model);
    let opinions: Vec<Opinion> = model
        .checkins
        .iter()
        .flat_map(|c| {
            c.dissent.iter().map(move |d| Opinion {
                by: &d.by,
                opinion: &d.opinion,
                checkin: c,
            })
        })
        .collect();
    jobs.push(job(
        "dashboards/dissent.html",
        "dashboards/dissent/index.html".into(),
        &url("dashboards/dissent/"),
        |c| {
            c.insert("rate_chart", &rate);
            c.insert("opinions", &opinions);
        },
    ));

    jobs.push(this_week(site, &url("this-week/")));
    jobs
}

fn this_week(site: &Site, page_url: &str) -> Job {
    let model = &site.model;
    let today = site.today;
    let schedule = pick(model, &model.coverage.needs_checkin);
    // Shipped work nobody has seen, then work in progress never demoed.
    let mut to_demo = pick(model, &model.coverage.undemoed_shipped);
    to_demo.extend(by_priority(model, |c| {
        c.status == Status::InProgress && c.demos.is_empty()
    }));
    let upcoming: Vec<&CheckinView> = {
        let mut list: Vec<&CheckinView> = model
            .checkins
            .iter()
            .filter(|c| c.date >= today && c.date.days_since(today) <= 14)
            .collect();
        list.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then_with(|| a.candidate.id.cmp(&b.candidate.id))
        });
        list
    };
    let refine = pick(model, &model.disagreements);
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
    job(
        "this-week.html",
        "this-week/index.html".into(),
        page_url,
        |c| {
            c.insert("schedule", &schedule);
            c.insert("to_demo", &to_demo);
            c.insert("upcoming", &upcoming);
            c.insert("refine", &refine);
            c.insert("pages_due", &pages_due);
            c.insert("week_of", &today.week_start().human());
        },
    )
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

fn outcome_counts(checkins: &[CheckinView]) -> Vec<OutcomeCount> {
    OUTCOMES
        .iter()
        .map(|o| OutcomeCount {
            label: o.map(Outcome::label).unwrap_or("No outcome recorded"),
            class: outcome_role(*o).class,
            count: checkins.iter().filter(|c| c.outcome == *o).count(),
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
                        .checkins
                        .iter()
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

fn demos_per_month(model: &Model) -> Chart {
    let months = month_span(model.demos.iter().map(|d| d.date));
    let mut counts: BTreeMap<&str, f64> = BTreeMap::new();
    let keys: Vec<String> = model
        .demos
        .iter()
        .map(|d| d.date.to_string()[..7].to_string())
        .collect();
    for k in &keys {
        *counts.entry(k.as_str()).or_default() += 1.0;
    }
    Bars {
        id: "demos-per-month",
        title: "Demos per month",
        summary: format!(
            "{} demos from {} to {}.",
            model.demos.len(),
            months.first().cloned().unwrap_or_default(),
            months.last().cloned().unwrap_or_default()
        ),
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
    let months = month_span(model.checkins.iter().map(|c| c.date));
    let rate = |month: &str| {
        let in_month: Vec<&CheckinView> = model
            .checkins
            .iter()
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
