package expr

import (
	"fmt"
	"strings"
	"time"
)

// TimeLiteral is a date or timestamp written as a string.
type TimeLiteral struct {
	// Time is the wall time written, or, with an offset, that instant (in UTC
	// when the offset is Z, else at the offset written).
	Time time.Time
	// DateOnly: the text is a date, 2025-01-31.
	DateOnly bool
	// HasOffset: the text names its offset (…Z, …+08:00, …-0500), so it is an
	// instant rather than a wall time in the project's time zone.
	HasOffset bool
}

var (
	wallLayouts = []string{
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04", "2006-01-02T15:04",
	}
	offsetLayouts = []string{
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02 15:04:05.999999999 Z07:00", "2006-01-02 15:04Z07:00", "2006-01-02T15:04Z07:00",
		"2006-01-02 15:04:05.999999999Z07", "2006-01-02T15:04:05.999999999Z07",
	}
)

// ParseTimeLiteral reads a date (2025-01-31) or a timestamp
// (2025-01-31 13:45:00, optionally with fractional seconds, a T, and an offset
// such as Z or -05:00). Calendar-invalid dates (2025-02-30) and words
// (yesterday) are errors that say what was expected.
func ParseTimeLiteral(s string) (TimeLiteral, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return TimeLiteral{Time: t, DateOnly: true}, nil
	} else if looksLikeDate(s) && len(s) == 10 {
		return TimeLiteral{}, calendarError(s, err)
	}
	for _, l := range wallLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return TimeLiteral{Time: t}, nil
		}
	}
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return TimeLiteral{Time: t, HasOffset: true}, nil
		}
	}
	if looksLikeDate(s) {
		if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
			return TimeLiteral{}, calendarError(s[:10], err)
		}
		return TimeLiteral{}, fmt.Errorf("expected a time of day such as 2025-01-31 13:45:00, optionally with an offset (Z, +08:00)")
	}
	return TimeLiteral{}, fmt.Errorf("expected a date such as 2025-01-31 or a timestamp such as 2025-01-31 13:45:00")
}

// looksLikeDate reports whether s starts like YYYY-MM-DD.
func looksLikeDate(s string) bool {
	if len(s) < 10 {
		return false
	}
	for i, c := range s[:10] {
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func calendarError(s string, err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return fmt.Errorf("%s is not a day of the calendar (%s)", s, msg)
}
