//! What the build derives from the data: each candidate's consensus, spread,
//! disagreement and quadrant, the priority order, check-in and demo coverage
//! and the dissent rate. Computed once; templates and charts only read it.

pub mod consensus;
pub mod quadrant;

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

pub use consensus::{Point, Spread};
pub use quadrant::Quadrant;

use crate::calendar::Date;
use crate::config::Config;
use crate::data::reader::Text;
use crate::data::{scheduled, CheckinKind, Data, Feature, Kind, Outcome, Role, Status};

/// A person as other records point at them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// A candidate as other records point at it.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRef {
    pub id: String,
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreView {
    pub by: PersonRef,
    pub impact: u32,
    pub effort: u32,
    pub date: Option<Date>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DissentView {
    pub by: PersonRef,
    pub opinion: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckinView {
    pub date: Date,
    pub date_human: String,
    /// Dated after today: a meeting booked, not held. It counts for
    /// nothing (coverage, dissent, attendance) until its day.
    pub scheduled: bool,
    pub candidate: CandidateRef,
    pub kind: CheckinKind,
    pub attendees: Vec<PersonRef>,
    pub minutes: Option<u32>,
    pub outcome: Option<Outcome>,
    pub outcome_label: Option<&'static str>,
    pub risks: Vec<String>,
    pub decisions: Vec<String>,
    pub dissent: Vec<DissentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoView {
    pub date: Date,
    pub date_human: String,
    /// Dated after today: booked, not given. It shows nobody anything
    /// (demo coverage, the count per month, who presented) until its day.
    pub scheduled: bool,
    pub title: String,
    pub presenter: PersonRef,
    pub candidates: Vec<CandidateRef>,
    pub why: Option<String>,
    pub attendees: Vec<PersonRef>,
    pub recording: Option<String>,
}

/// Where a candidate's matrix position comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsensusSource {
    /// The median of its scores.
    Scores,
    /// Its own first estimate, for a candidate nobody has scored yet.
    Estimate,
}

/// A candidate with everything derived about it.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: String,
    pub url: String,
    pub title: String,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub technical: bool,
    pub status: Status,
    pub status_label: &'static str,
    /// Neither shipped nor dropped.
    pub open: bool,
    pub problem: Option<String>,
    pub value: Option<String>,
    pub product_owner: Option<PersonRef>,
    pub eng_owner: Option<PersonRef>,
    pub estimate: Option<Point>,
    pub consensus: Option<Point>,
    pub consensus_source: Option<ConsensusSource>,
    pub scores: Vec<ScoreView>,
    pub spread: Option<Spread>,
    pub product_median: Option<Point>,
    pub engineering_median: Option<Point>,
    pub disagreement: bool,
    pub disagreement_reasons: Vec<String>,
    pub quadrant: Option<Quadrant>,
    pub ratio: Option<f64>,
    /// 1-based place in the priority order of open, placed candidates.
    pub priority: Option<usize>,
    pub discovery_done: Option<Date>,
    pub tags: Vec<String>,
    pub checkins: Vec<CheckinView>,
    /// The newest check-in held (dated today or before).
    pub last_checkin: Option<Date>,
    /// A feasibility check-in was held (dated today or before).
    pub has_feasibility_checkin: bool,
    /// The soonest feasibility check-in booked after today.
    pub checkin_scheduled: Option<Date>,
    /// Days since discovery ended, for candidates past discovery.
    pub days_since_discovery: Option<i64>,
    /// Past discovery, still open, and no feasibility check-in yet.
    pub needs_checkin: bool,
    /// `needs_checkin`, and discovery ended more than `due_within_days` ago.
    pub checkin_overdue: bool,
    /// For `needs_checkin` candidates with a `discovery_done` date: the
    /// last day the check-in is on time. A date, not a count of days, so a
    /// candidate's own page stays the same from one day to the next.
    pub checkin_due: Option<Date>,
    pub demos: Vec<DemoView>,
    /// A demo given (dated today or before) showed it.
    pub demoed: bool,
    pub dissent_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub owns: Vec<CandidateRef>,
    pub scores: usize,
    pub checkins: usize,
    pub demos_presented: usize,
    pub dissent: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Open candidates past discovery without a feasibility check-in, most
    /// overdue first.
    pub needs_checkin: Vec<String>,
    pub overdue: Vec<String>,
    /// Shipped candidates never shown in a demo.
    pub undemoed_shipped: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DissentStats {
    pub checkins: usize,
    pub with_dissent: usize,
    /// Share of check-ins that recorded at least one dissenting opinion,
    /// 0..=1; `None` with no check-ins at all.
    pub rate: Option<f64>,
    pub opinions: usize,
}

/// The derived model of the whole data set.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub today: Date,
    pub people: Vec<PersonView>,
    /// All candidates, sorted by id.
    pub candidates: Vec<Candidate>,
    /// Ids of open candidates with a matrix position, in priority order.
    pub priority: Vec<String>,
    /// Ids of candidates with neither scores nor estimates.
    pub unplaced: Vec<String>,
    /// Ids of candidates flagged for disagreement, in priority order.
    pub disagreements: Vec<String>,
    /// All check-ins, newest first.
    pub checkins: Vec<CheckinView>,
    /// All demos, newest first.
    pub demos: Vec<DemoView>,
    pub coverage: Coverage,
    pub dissent: DissentStats,
    /// Every tag with the ids of candidates carrying it.
    pub tags: BTreeMap<String, Vec<String>>,
}

/// A check-in or demo: held, or booked for a later day ([`scheduled`]).
pub trait Meeting {
    fn scheduled(&self) -> bool;
}

impl Meeting for CheckinView {
    fn scheduled(&self) -> bool {
        self.scheduled
    }
}

impl Meeting for DemoView {
    fn scheduled(&self) -> bool {
        self.scheduled
    }
}

/// The meetings of `list` that took place. One booked for a later day
/// counts for nothing yet: no coverage, no attendance, no dissent asked.
pub fn took_place<M: Meeting>(list: &[M]) -> impl Iterator<Item = &M> {
    list.iter().filter(|m| !m.scheduled())
}

impl Model {
    /// The candidates `keep` selects: ranked ones in priority order, then
    /// the rest by id.
    pub fn in_priority_order(&self, keep: impl Fn(&Candidate) -> bool) -> Vec<&Candidate> {
        let mut list: Vec<&Candidate> = self.candidates.iter().filter(|c| keep(c)).collect();
        list.sort_by_key(|c| (c.priority.unwrap_or(usize::MAX), c.id.as_str()));
        list
    }

    /// The demos given, newest first: not those booked for a later day.
    pub fn given_demos(&self) -> impl Iterator<Item = &DemoView> {
        took_place(&self.demos)
    }

    /// The check-ins held, newest first: not those booked for a later day.
    pub fn held_checkins(&self) -> impl Iterator<Item = &CheckinView> {
        took_place(&self.checkins)
    }

    pub fn candidate(&self, id: &str) -> Option<&Candidate> {
        self.candidates
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.candidates[i])
    }
}

/// URL path (below the base path) of a candidate's page.
pub fn candidate_path(id: &str) -> String {
    format!("features/{id}/")
}

struct Lookup<'a> {
    people: FxHashMap<&'a str, PersonRef>,
    features: FxHashMap<&'a str, &'a Feature>,
    base_path: &'a str,
}

impl Lookup<'_> {
    // Data has been validated before deriving, so references resolve; a
    // placeholder keeps deriving total if a caller skipped validation.
    fn person(&self, id: &str) -> PersonRef {
        self.people.get(id).cloned().unwrap_or_else(|| PersonRef {
            id: id.to_string(),
            name: id.to_string(),
            role: Role::Engineering,
        })
    }

    fn candidate(&self, id: &str) -> CandidateRef {
        CandidateRef {
            id: id.to_string(),
            title: self
                .features
                .get(id)
                .map(|f| f.title.clone())
                .unwrap_or_else(|| id.to_string()),
            url: format!("{}{}", self.base_path, candidate_path(id)),
        }
    }
}

pub fn derive(data: &Data, config: &Config, today: Date) -> Model {
    let base_path = config.base_path();
    let lookup = Lookup {
        people: data
            .people
            .iter()
            .map(|p| {
                (
                    p.id.value.as_str(),
                    PersonRef {
                        id: p.id.value.clone(),
                        name: p.name.clone(),
                        role: p.role,
                    },
                )
            })
            .collect(),
        features: data
            .features
            .iter()
            .map(|f| (f.id.value.as_str(), f))
            .collect(),
        base_path: &base_path,
    };

    let mut checkins: Vec<CheckinView> = data
        .checkins
        .iter()
        .map(|c| CheckinView {
            date: c.date,
            date_human: c.date.human(),
            scheduled: scheduled::is_ahead(c.date, today),
            candidate: lookup.candidate(&c.feature),
            kind: c.kind,
            attendees: once(&c.attendees).map(|a| lookup.person(a)).collect(),
            minutes: c.minutes,
            outcome: c.outcome,
            outcome_label: c.outcome.map(Outcome::label),
            risks: c.risks.clone(),
            decisions: c.decisions.clone(),
            dissent: c
                .dissent
                .iter()
                .map(|d| DissentView {
                    by: lookup.person(&d.by),
                    opinion: d.opinion.clone(),
                })
                .collect(),
        })
        .collect();
    // Newest first; ties by candidate so the order never depends on file order.
    checkins.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.candidate.id.cmp(&b.candidate.id))
    });

    let mut demos: Vec<DemoView> = data
        .demos
        .iter()
        .map(|d| DemoView {
            date: d.date,
            date_human: d.date.human(),
            scheduled: scheduled::is_ahead(d.date, today),
            title: d.title.clone(),
            presenter: lookup.person(&d.presenter),
            candidates: once(&d.features).map(|f| lookup.candidate(f)).collect(),
            why: d.why.clone(),
            attendees: once(&d.attendees).map(|a| lookup.person(a)).collect(),
            recording: d.recording.clone(),
        })
        .collect();
    demos.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.title.cmp(&b.title)));

    // Group once so deriving stays linear in the size of the data set.
    let mut groups: FxHashMap<&str, Related> = FxHashMap::default();
    for s in &data.scores {
        groups
            .entry(s.feature.value.as_str())
            .or_default()
            .scores
            .push(s);
    }
    for c in &checkins {
        groups
            .entry(c.candidate.id.as_str())
            .or_default()
            .checkins
            .push(c);
    }
    for d in &demos {
        for c in &d.candidates {
            groups.entry(c.id.as_str()).or_default().demos.push(d);
        }
    }
    let empty = Related::default();
    let mut candidates: Vec<Candidate> = (data.features.par_iter())
        .map(|f| {
            let related = groups.get(f.id.value.as_str()).unwrap_or(&empty);
            derive_candidate(f, related, config, today, &lookup)
        })
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));

    let mut priority: Vec<(Quadrant, Point, String)> = candidates
        .iter()
        .filter(|c| c.open)
        .filter_map(|c| Some((c.quadrant?, c.consensus?, c.id.clone())))
        .collect();
    priority.sort_by(|a, b| quadrant::priority_cmp((a.0, a.1, &a.2), (b.0, b.1, &b.2)));
    let priority: Vec<String> = priority.into_iter().map(|p| p.2).collect();
    for (rank, id) in priority.iter().enumerate() {
        let i = candidates
            .binary_search_by(|c| c.id.cmp(id))
            .expect("ids come from candidates");
        candidates[i].priority = Some(rank + 1);
    }

    let by_priority = |pred: &dyn Fn(&Candidate) -> bool| -> Vec<String> {
        let mut ids: Vec<&Candidate> = candidates.iter().filter(|c| pred(c)).collect();
        let rank = |c: &Candidate| c.priority.unwrap_or(usize::MAX);
        ids.sort_by(|a, b| (rank(a), &a.id).cmp(&(rank(b), &b.id)));
        ids.into_iter().map(|c| c.id.clone()).collect()
    };
    let disagreements = by_priority(&|c| c.disagreement && c.open);
    let unplaced = by_priority(&|c| c.consensus.is_none());

    let mut needs: Vec<&Candidate> = candidates.iter().filter(|c| c.needs_checkin).collect();
    // Longest since discovery first.
    let age = |c: &Candidate| std::cmp::Reverse(c.days_since_discovery.unwrap_or(0));
    needs.sort_by(|a, b| (age(a), &a.id).cmp(&(age(b), &b.id)));
    let coverage = Coverage {
        needs_checkin: needs.iter().map(|c| c.id.clone()).collect(),
        overdue: needs
            .iter()
            .filter(|c| c.checkin_overdue)
            .map(|c| c.id.clone())
            .collect(),
        undemoed_shipped: by_priority(&|c| c.status == Status::Shipped && !c.demoed),
    };

    // Meetings not held yet have asked nobody for dissent.
    let held: Vec<&CheckinView> = took_place(&checkins).collect();
    let with_dissent = held.iter().filter(|c| !c.dissent.is_empty()).count();
    let dissent = DissentStats {
        checkins: held.len(),
        with_dissent,
        rate: (!held.is_empty()).then(|| with_dissent as f64 / held.len() as f64),
        opinions: held.iter().map(|c| c.dissent.len()).sum(),
    };

    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &candidates {
        for t in &c.tags {
            tags.entry(t.clone()).or_default().push(c.id.clone());
        }
    }

    let people = derive_people(data, &candidates, &checkins, &demos, &lookup);

    Model {
        today,
        people,
        candidates,
        priority,
        unplaced,
        disagreements,
        checkins,
        demos,
        coverage,
        dissent,
        tags,
    }
}

/// The records that point at one candidate.
#[derive(Default)]
struct Related<'a> {
    scores: Vec<&'a crate::data::Score>,
    checkins: Vec<&'a CheckinView>,
    demos: Vec<&'a DemoView>,
}

fn derive_candidate(
    f: &Feature,
    related: &Related,
    config: &Config,
    today: Date,
    lookup: &Lookup,
) -> Candidate {
    let id = f.id.value.as_str();
    let mut scores: Vec<ScoreView> = related
        .scores
        .iter()
        .map(|s| ScoreView {
            by: lookup.person(&s.by),
            impact: s.impact,
            effort: s.effort,
            date: s.date,
            note: s.note.clone(),
        })
        .collect();
    scores.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.by.id.cmp(&b.by.id)));
    let pairs = |role: Option<Role>| -> Vec<(u32, u32)> {
        scores
            .iter()
            .filter(|s| role.is_none_or(|r| s.by.role == r))
            .map(|s| (s.impact, s.effort))
            .collect()
    };
    let all = pairs(None);
    let estimate = match (f.impact, f.effort) {
        (Some(i), Some(e)) => Some(Point {
            impact: i as f64,
            effort: e as f64,
        }),
        _ => None,
    };
    let (consensus, consensus_source) = match consensus::median_point(&all) {
        Some(p) => (Some(p), Some(ConsensusSource::Scores)),
        None => (estimate, estimate.map(|_| ConsensusSource::Estimate)),
    };
    let spread = if all.len() >= 2 {
        consensus::spread(&all)
    } else {
        None
    };
    let product_median = consensus::median_point(&pairs(Some(Role::Product)));
    let engineering_median = consensus::median_point(&pairs(Some(Role::Engineering)));
    let disagreement_reasons =
        consensus::disagreement_reasons(spread, product_median, engineering_median, &config.matrix);

    let own_checkins: Vec<CheckinView> = related.checkins.iter().map(|c| (*c).clone()).collect();
    let held = || took_place(&own_checkins);
    let has_feasibility_checkin = held().any(|c| c.kind == CheckinKind::Feasibility);
    let checkin_scheduled = (own_checkins.iter())
        .filter(|c| c.scheduled && c.kind == CheckinKind::Feasibility)
        .map(|c| c.date)
        .min();
    let open = !matches!(f.status, Status::Shipped | Status::Dropped);
    let past_discovery = f.status.is_active_after_discovery()
        || (f.status == Status::Discovery && f.discovery_done.is_some_and(|d| d <= today));
    let days_since_discovery = f
        .discovery_done
        .filter(|_| past_discovery)
        .map(|d| today.days_since(d));
    let needs_checkin = open && past_discovery && !has_feasibility_checkin;
    let checkin_overdue = needs_checkin
        && days_since_discovery.is_some_and(|d| d > config.checkins.due_within_days as i64);
    let checkin_due = (f.discovery_done)
        .filter(|_| needs_checkin)
        .map(|d| d.add_days(config.checkins.due_within_days as i64));
    // A demo lists each candidate once (see `once`), so it is here once.
    let own_demos: Vec<DemoView> = related.demos.iter().map(|d| (*d).clone()).collect();
    // Worked out before the lists move into the candidate.
    let last_checkin = held().next().map(|c| c.date);
    let dissent_count = held().map(|c| c.dissent.len()).sum();
    let demoed = took_place(&own_demos).next().is_some();

    Candidate {
        id: id.to_string(),
        url: format!("{}{}", lookup.base_path, candidate_path(id)),
        title: f.title.clone(),
        kind: f.kind,
        kind_label: f.kind.label(),
        technical: f.kind.is_technical(),
        status: f.status,
        status_label: f.status.label(),
        open,
        problem: f.problem.clone(),
        value: f.value.clone(),
        product_owner: f.product_owner.as_ref().map(|p| lookup.person(p)),
        eng_owner: f.eng_owner.as_ref().map(|p| lookup.person(p)),
        estimate,
        consensus,
        consensus_source,
        spread,
        product_median,
        engineering_median,
        disagreement: !disagreement_reasons.is_empty(),
        disagreement_reasons,
        quadrant: consensus.map(|p| Quadrant::of(p, &config.matrix)),
        ratio: consensus.map(|p| p.impact / p.effort),
        priority: None,
        discovery_done: f.discovery_done,
        tags: f.tags.iter().map(|t| t.value.clone()).collect(),
        last_checkin,
        has_feasibility_checkin,
        checkin_scheduled,
        days_since_discovery,
        needs_checkin,
        checkin_overdue,
        checkin_due,
        dissent_count,
        checkins: own_checkins,
        demoed,
        demos: own_demos,
        scores,
    }
}

/// The ids of `list` without repeats, in their order: a name written twice
/// (which loading warns of) is one attendee, a candidate one demo showed.
fn once(list: &[Text]) -> impl Iterator<Item = &str> {
    (list.iter().enumerate())
        .filter(|&(i, _)| !Text::repeats_earlier(list, i))
        .map(|(_, id)| id.value.as_str())
}

/// What one person did, counted by [`derive_people`].
#[derive(Default)]
struct Tally<'a> {
    owns: Vec<&'a Candidate>,
    scores: usize,
    checkins: usize,
    demos_presented: usize,
    dissent: usize,
}

/// Counted from the views of check-ins and demos, which list each person
/// once and say which meetings are only scheduled (nobody has attended
/// those yet).
fn derive_people(
    data: &Data,
    candidates: &[Candidate],
    checkins: &[CheckinView],
    demos: &[DemoView],
    lookup: &Lookup,
) -> Vec<PersonView> {
    // One pass over each list, counting for everyone at once: linear in
    // the size of the data, however large the team.
    let mut tally: FxHashMap<&str, Tally> = (data.people.iter())
        .map(|p| (p.id.value.as_str(), Tally::default()))
        .collect();
    for c in candidates {
        let product = c.product_owner.as_ref().map(|o| o.id.as_str());
        let eng = (c.eng_owner.as_ref().map(|o| o.id.as_str())).filter(|e| Some(*e) != product);
        for id in [product, eng].into_iter().flatten() {
            if let Some(t) = tally.get_mut(id) {
                t.owns.push(c);
            }
        }
    }
    let mut count = |id: &str, add: &dyn Fn(&mut Tally)| {
        if let Some(t) = tally.get_mut(id) {
            add(t);
        }
    };
    for s in &data.scores {
        count(&s.by.value, &|t| t.scores += 1);
    }
    for checkin in took_place(checkins) {
        for a in &checkin.attendees {
            count(&a.id, &|t| t.checkins += 1);
        }
        for d in &checkin.dissent {
            count(&d.by.id, &|t| t.dissent += 1);
        }
    }
    for d in took_place(demos) {
        count(&d.presenter.id, &|t| t.demos_presented += 1);
    }
    let mut people: Vec<PersonView> = (data.people.iter())
        .map(|p| {
            let id = p.id.value.as_str();
            let t = &tally[id];
            PersonView {
                id: id.to_string(),
                name: p.name.clone(),
                role: p.role,
                owns: t.owns.iter().map(|c| lookup.candidate(&c.id)).collect(),
                scores: t.scores,
                checkins: t.checkins,
                demos_presented: t.demos_presented,
                dissent: t.dissent,
            }
        })
        .collect();
    people.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    people
}
