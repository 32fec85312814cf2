package drill

import (
	"testing"
	"time"
	_ "time/tzdata" // America/New_York on any machine
)

// "Last seen" counts the learner's calendar days, in the zone of the
// clock it is given (local time in the app), and writes dates there.
func TestSeenCountsCalendarDaysInTheClocksZone(t *testing.T) {
	east := time.FixedZone("UTC+10", 10*60*60)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	tests := []struct {
		name   string
		now, t time.Time
		want   string
	}{
		{"never", at(east, 2026, 3, 14, 9, 0), time.Time{}, "never"},
		{"an hour ago, before midnight, is yesterday", at(east, 2026, 3, 14, 0, 30), at(east, 2026, 3, 13, 23, 30), "yesterday"},
		{"the same instants on a UTC clock are today", at(east, 2026, 3, 14, 0, 30).UTC(), at(east, 2026, 3, 13, 23, 30).UTC(), "today"},
		{"a UTC time is read on the clock's calendar", at(east, 2026, 3, 14, 0, 30), at(east, 2026, 3, 13, 23, 30).UTC(), "yesterday"},
		{"23 hours within one day", at(east, 2026, 3, 14, 23, 30), at(east, 2026, 3, 14, 0, 30), "today"},
		{"days across a daylight-saving change", at(ny, 2026, 3, 9, 12, 0), at(ny, 2026, 3, 7, 12, 30), "2 days ago"},
		{"59 days", at(east, 2026, 3, 14, 9, 0), at(east, 2026, 1, 14, 9, 0), "59 days ago"},
		{"a date in the clock's zone", at(east, 2026, 3, 14, 9, 0), at(east, 2025, 12, 15, 8, 0), "2025-12-15"},
		{"the same date on a UTC clock", at(east, 2026, 3, 14, 9, 0).UTC(), at(east, 2025, 12, 15, 8, 0), "2025-12-14"},
		{"a clock slightly behind", at(east, 2026, 3, 14, 9, 0), at(east, 2026, 3, 14, 9, 5), "today"},
	}
	for _, tt := range tests {
		if got := Seen(tt.now, tt.t); got != tt.want {
			t.Errorf("%s: Seen(%v, %v) = %q, want %q", tt.name, tt.now, tt.t, got, tt.want)
		}
	}
}

// The drill's reasons count days the same way.
func TestAgoCountsCalendarDays(t *testing.T) {
	east := time.FixedZone("UTC+10", 10*60*60)
	now := time.Date(2026, 3, 14, 0, 30, 0, 0, east)
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-time.Hour), "yesterday"},
		{now.Add(-10 * time.Minute), "today"},
		{now.Add(time.Minute), "just now"},
		{now.Add(-40 * 24 * time.Hour), "5 weeks ago"},
		{time.Time{}, "some time ago"},
	} {
		if got := ago(now, tt.t); got != tt.want {
			t.Errorf("ago(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
