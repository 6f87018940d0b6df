package model

import "time"

// Calendar arithmetic on wall times, shared by the plan (grain filters), the
// SQL writer (partition bounds), the materializer (partitions, lookback) and
// tags (behaviour windows). Results keep t's location.

// GrainStart is the first instant of the period of grain g holding t; weeks
// start on Monday (ISO). An unknown grain is read as year.
func GrainStart(t time.Time, g string) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch g {
	case "hour":
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc)
	case "day":
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case "week":
		day := time.Date(y, m, d, 0, 0, 0, 0, loc)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case "quarter":
		return time.Date(y, ((m-1)/3)*3+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
}

// GrainNext is the start of the period of grain g after the one starting at t.
func GrainNext(t time.Time, g string) time.Time {
	switch g {
	case "hour":
		return t.Add(time.Hour)
	case "day":
		return t.AddDate(0, 0, 1)
	case "week":
		return t.AddDate(0, 0, 7)
	case "month":
		return t.AddDate(0, 1, 0)
	case "quarter":
		return t.AddDate(0, 3, 0)
	}
	return t.AddDate(1, 0, 0)
}

// Before moves t back by the period, by the calendar (the month before
// March 31 is March 3 by Go's normalisation, as AddDate does).
func (p Period) Before(t time.Time) time.Time {
	switch p.Unit {
	case "hour":
		return t.Add(-time.Duration(p.N) * time.Hour)
	case "day":
		return t.AddDate(0, 0, -p.N)
	case "week":
		return t.AddDate(0, 0, -7*p.N)
	case "month":
		return t.AddDate(0, -p.N, 0)
	case "quarter":
		return t.AddDate(0, -3*p.N, 0)
	case "year":
		return t.AddDate(-p.N, 0, 0)
	}
	return t
}
