package rewritetest

import (
	"fmt"
	"strings"
	"time"
)

// projectOffset is the bank's time zone (Asia/Shanghai) as a fixed offset: it
// has no daylight saving time.
const projectOffset = 8 * time.Hour

// grainFilter draws a filter on a grain of the time field, in the forms
// analysts write: = and IN on period labels, BETWEEN and comparisons with
// labels or any date (rounded to whole periods by the compiler), and <>.
// The rewrite must serve them from rollups of that grain or finer and from no
// coarser one; the raw answer is the reference.
func (g *queryGen) grainFilter(f *factSpec, field string, day func() time.Time) []string {
	grains := []string{"day", "week", "month", "quarter", "year"}
	if !f.isDate && field != "transactions.value_date" {
		grains = append(grains, "hour")
	}
	grain := g.pick(grains)
	ref := field + "." + grain
	g.note("grain filter " + grain)
	label := func() string { return "'" + formatLabel(periodStart(day(), grain), grain) + "'" }
	any := func() string { return "'" + day().Format("2006-01-02") + "'" }
	switch n := g.r.IntN(10); {
	case n < 3:
		return []string{fmt.Sprintf("%s = %s", ref, label())}
	case n < 5:
		a, b := label(), label()
		if a > b {
			a, b = b, a
		}
		if g.chance(0.5) {
			a, b = any(), any()
			if a > b {
				a, b = b, a
			}
		}
		return []string{fmt.Sprintf("%s BETWEEN %s AND %s", ref, a, b)}
	case n < 7:
		return []string{fmt.Sprintf("%s IN (%s, %s, %s)", ref, label(), label(), label())}
	case n < 8:
		return []string{fmt.Sprintf("%s <> %s", ref, label())}
	}
	op := g.pick([]string{">=", ">", "<=", "<"})
	return []string{fmt.Sprintf("%s %s %s", ref, op, any())}
}

// periodStart is the start of the period of the grain holding wall time t.
func periodStart(t time.Time, grain string) time.Time {
	y, m, d := t.Date()
	switch grain {
	case "hour":
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, time.UTC)
	case "week":
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		return time.Date(y, ((m-1)/3)*3+1, 1, 0, 0, 0, 0, time.UTC)
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func formatLabel(t time.Time, grain string) string {
	if grain == "hour" {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02")
}

// offsetLiteral writes the wall time t of the project's zone as the same
// instant with an explicit offset: Z, or another zone's offset.
func (g *queryGen) offsetLiteral(t time.Time) string {
	g.note("time bound with offset")
	instant := t.Add(-projectOffset)
	switch g.r.IntN(3) {
	case 0:
		return "'" + instant.Format("2006-01-02T15:04:05") + "Z'"
	case 1:
		return "'" + instant.Add(-5*time.Hour).Format("2006-01-02 15:04:05") + "-05:00'"
	}
	s := instant.Add(5*time.Hour + 30*time.Minute).Format("2006-01-02 15:04:05")
	return "TIMESTAMP '" + strings.TrimSpace(s) + "+05:30'"
}

// cumulativeMetric reports the bank's cumulative metrics, which need a time
// dimension with a grain.
func cumulativeMetric(m string) bool {
	for _, suf := range []string{"_mtd", "_ytd", "_7d", "_3m"} {
		if strings.HasSuffix(m, suf) {
			return true
		}
	}
	return strings.HasPrefix(m, "mtd_")
}

// toDateGrain keeps the query's grain when every to_date metric of the query
// has a value per period of it (month to date: day, hour or month periods),
// else picks day or month.
func (g *queryGen) toDateGrain(metrics []string, grain string) string {
	ok := map[string]bool{"hour": true, "day": true, "week": true, "month": true, "quarter": true, "year": true}
	for _, m := range metrics {
		switch {
		case strings.HasSuffix(m, "_mtd") || strings.HasPrefix(m, "mtd_"):
			ok["week"], ok["quarter"], ok["year"] = false, false, false
		case strings.HasSuffix(m, "_ytd"):
			ok["week"] = false
		}
	}
	if ok[grain] {
		return grain
	}
	g.note("grain moved for to_date")
	return g.pick([]string{"day", "month"})
}
