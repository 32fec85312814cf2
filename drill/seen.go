package drill

import (
	"fmt"
	"time"
)

// Seen is when something was last seen, for people: "today",
// "yesterday", "N days ago", then the date; "never" for the zero time.
// Days are calendar days and the date is written in now's time zone: the
// app's clock is local time, so a learner reads their own calendar (a lab
// checked at 23:30 is "yesterday" at 00:30). Stats, in the CLI and the
// TUI, show every "last seen" with it.
func Seen(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	switch d := calendarDays(now, t); {
	case d <= 0:
		return "today"
	case d == 1:
		return "yesterday"
	case d < 60:
		return fmt.Sprintf("%d days ago", d)
	}
	return t.In(now.Location()).Format("2006-01-02")
}

// calendarDays is how many days of now's calendar lie between t's day and
// now's (negative when t is on a later day).
func calendarDays(now, t time.Time) int {
	y, m, d := t.In(now.Location()).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	y, m, d = now.Date()
	to := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return int(to.Sub(from).Hours() / 24) // whole days: UTC has no daylight saving
}
