//! Dates, and which day "today" is.
//!
//! Whatever depends on the date (overdue check-ins, pages due for review) asks
//! [`today`], which honours `SOURCE_DATE_EPOCH`: with it set, a build is a pure
//! function of its input and the same bytes come out every time.

use std::fmt;

use serde::{Serialize, Serializer};

/// A calendar date, as written in TOML (`2026-10-03`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }

    /// Days from `earlier` to `self` (negative when `earlier` is later).
    pub fn days_since(self, earlier: Date) -> i64 {
        (self.0 - earlier.0).whole_days()
    }

    pub fn add_days(self, days: i64) -> Date {
        Date(self.0.saturating_add(time::Duration::days(days)))
    }

    /// Monday of this date's ISO week, used to bucket events by week.
    pub fn week_start(self) -> Date {
        let back = self.0.weekday().number_days_from_monday() as i64;
        self.add_days(-back)
    }

    pub fn from_unix_seconds(seconds: i64) -> Option<Date> {
        time::OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(|t| Date(t.date()))
    }

    /// "3 Oct 2026": the form shown to readers.
    pub fn human(self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{} {} {}",
            self.0.day(),
            MONTHS[u8::from(self.0.month()) as usize - 1],
            self.0.year()
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The date builds treat as today: `SOURCE_DATE_EPOCH` (seconds since the
/// Unix epoch, UTC) when set, else the system clock's current UTC date.
pub fn today() -> Result<Date, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(Date::from_unix_seconds)
            .ok_or_else(|| {
                format!("SOURCE_DATE_EPOCH is `{value}`, expected a whole number of seconds since 1970-01-01")
            }),
        Err(_) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            Ok(Date::from_unix_seconds(now).expect("the system clock is within range"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_map_to_utc_dates() {
        assert_eq!(
            Date::from_unix_seconds(1_764_028_800).unwrap().to_string(),
            "2025-11-25"
        );
    }

    #[test]
    fn week_starts_on_monday() {
        let wednesday = Date::from_ymd(2026, 11, 25).unwrap();
        assert_eq!(wednesday.week_start().to_string(), "2026-11-23");
    }

    #[test]
    fn human_form_is_day_month_year() {
        assert_eq!(Date::from_ymd(2026, 10, 3).unwrap().human(), "3 Oct 2026");
    }
}
