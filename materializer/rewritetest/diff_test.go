package rewritetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// diffQueries is how many random queries the differential test runs.
const diffQueries = 1000

// minServedShare is the share of generated queries a rollup must serve: the
// generator is tuned to look like real dashboard and analyst traffic, most of
// which a well-chosen set of rollups answers, not to feed the rewrite only
// easy cases.
const minServedShare = 0.40

// TestRewriteMatchesRaw is the differential test of the rollup rewrite: each
// generated query runs once on the raw tables (no_rollup) and once as
// Strata would run it, and the two answers must agree cell by cell.
func TestRewriteMatchesRaw(t *testing.T) {
	w, _ := sharedWarehouse(t)
	g := newQueryGen(rand.New(rand.NewPCG(20240101, uint64(envInt("STRATA_DIFF_SEED", 1)))), facts)
	runDiff(t, w, g, envInt("STRATA_DIFF_QUERIES", diffQueries), minServedShare)
}

// TestRewriteMatchesRawMoreRollups runs the differential test on the bank
// model plus rollups of the shapes the example does not have: an hour grain,
// a week grain, a computed dimension, a month grain on a DATE field, a
// semi-additive measure kept per account, a quarter grain and no time at all.
func TestRewriteMatchesRawMoreRollups(t *testing.T) {
	w := moreRollupsWarehouse(t)
	g := newQueryGen(rand.New(rand.NewPCG(20240101, uint64(envInt("STRATA_DIFF_SEED", 2)))), moreFacts())
	g.valueDate = 0.2
	g.fixed = moreRegressions
	runDiff(t, w, g, envInt("STRATA_DIFF_QUERIES", moreQueries), 0.30)
}

// moreRegressions are queries the differential test once found answered
// wrongly from a rollup; they run first, before the generated ones.
var moreRegressions = []plan.Query{
	// A week rollup, previous month by week: each week of the rollup must be
	// read whole (it was read shifted and split across weeks).
	{Metrics: []string{"txn_amount_prev_month", "txn_amount"}, Dimensions: []string{"transactions.txn_time.week", "customers.age_band"}, Where: "customers.age_band = '50+'"},
	// A quarter rollup and a month shift under a time filter: the shifted
	// filter splits quarters, so the rollup must not serve the shifted part.
	{Metrics: []string{"app_users_prev_month"}, Dimensions: []string{"app_events.event_time.quarter", "app_events.event_type"}, Where: "app_events.event_time >= '2025-01-01'"},
	// The same with a month rollup and a week shift.
	{Metrics: []string{"txn_amount", "txn_amount_prev_week"}, Dimensions: []string{"customers.segment", "transactions.txn_time.month"}, Where: "transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-04-01'"},
}

// moreQueries is how many queries the extra-rollups variant runs.
const moreQueries = 300

// moreRollupsModel adds rollups to the test's copy of the bank model.
const moreRollupsModel = `rollups:
  - name: txn_hourly_channel
    metrics: [txn_count, txn_amount, active_customers, min_txn]
    dimensions: [channels.name]
    time: { field: transactions.txn_time, grain: hour }
  - name: txn_weekly_age
    metrics: [txn_amount, posted_count, avg_amount, approx_customers]
    dimensions: [customers.age_band, customers.segment]
    time: { field: transactions.txn_time, grain: week }
  - name: txn_value_month
    metrics: [txn_amount, txn_count, max_txn]
    dimensions: [channels.kind]
    time: { field: transactions.value_date, grain: month }
  - name: balance_account_daily
    metrics: [account_balance, total_balance]
    dimensions: [balances.account_id, customers.segment]
    time: { field: balances.snapshot_date, grain: day }
  - name: app_quarterly
    metrics: [app_events, logins, app_users]
    dimensions: [app_events.event_type]
    time: { field: app_events.event_time, grain: quarter }
  - name: txn_risk_no_time
    metrics: [txn_amount, txn_count]
    dimensions: [customers.risk_level, channels.name]
metrics:
  - name: txn_amount_prev_week
    base: txn_amount
    offset: 1 week
  - name: txn_count_prev_day
    base: txn_count
    offset: 1 day
  - name: app_users_prev_month
    base: app_users
    offset: 1 month
`

// moreOther are the period-over-period metrics of moreRollupsModel, whose
// shifts (a week, a day, a month) do not suit every rollup grain.
var moreOther = map[string][]string{
	"transactions": {"txn_amount_prev_week", "txn_count_prev_day", "txn_amount_prev_week"},
	"app_events":   {"app_users_prev_month", "app_users_prev_month"},
}

// moreFacts is the generator's view of the model with moreRollupsModel:
// the fields the extra rollups keep count as rollup dimensions.
func moreFacts() []*factSpec {
	extra := map[string]dimValues{
		"transactions": {"customers.age_band": {"under 30", "30-49", "50+"}, "channels.kind": {"digital", "physical"}, "customers.risk_level": {"low", "medium", "high"}},
		"balances":     {"balances.account_id": nil},
		"app_events":   {"app_events.event_type": {"login", "view", "transfer", "purchase"}},
	}
	w := func(gs ...string) []weighted {
		var out []weighted
		for _, g := range gs {
			out = append(out, weighted{g, 1})
		}
		return out
	}
	groups := map[string][]rollupGroup{
		"transactions": {
			{dims: []string{"customers.segment", "channels.name", "branches.city"}, metrics: []string{"txn_amount", "txn_count", "active_customers", "max_txn", "avg_amount"}},
			{dims: []string{"channels.name"}, metrics: []string{"txn_count", "txn_amount", "active_customers", "min_txn"}, grains: w("hour", "hour", "day", "week", "month")},
			{dims: []string{"customers.segment", "customers.age_band"}, metrics: []string{"txn_amount", "posted_count", "avg_amount", "approx_customers"}, grains: w("week", "week", "", "month")},
			{dims: []string{"channels.kind"}, metrics: []string{"txn_amount", "txn_count", "max_txn"}, timeField: "transactions.value_date", grains: w("month", "quarter", "year", "day", "")},
			{dims: []string{"customers.risk_level", "channels.name"}, metrics: []string{"txn_amount", "txn_count"}, grains: w("", "", "month")},
		},
		"balances": {
			{dims: []string{"customers.segment", "branches.region"}, metrics: []string{"total_balance", "opening_balance"}},
			{dims: []string{"customers.segment", "balances.account_id"}, metrics: []string{"account_balance", "total_balance"}},
		},
		"app_events": {
			{dims: []string{"customers.segment", "app_events.device"}, metrics: []string{"app_events", "app_users", "logins"}},
			{dims: []string{"app_events.event_type"}, metrics: []string{"app_events", "logins", "app_users"}, grains: w("quarter", "year", "month", "")},
		},
	}
	var out []*factSpec
	for _, f := range facts {
		c := *f
		c.values = dimValues{}
		for k, v := range f.values {
			c.values[k] = v
		}
		c.rollDims = append([]string(nil), f.rollDims...)
		c.moreDims = nil
		for _, d := range f.moreDims {
			if _, ok := extra[f.name][d]; !ok {
				c.moreDims = append(c.moreDims, d)
			}
		}
		var keys []string
		for d := range extra[f.name] {
			keys = append(keys, d)
		}
		sort.Strings(keys)
		for _, d := range keys {
			c.rollDims = append(c.rollDims, d)
			if v := extra[f.name][d]; v != nil {
				c.values[d] = v
			}
		}
		c.groups = groups[f.name]
		c.other = append(append([]string(nil), f.other...), moreOther[f.name]...)
		out = append(out, &c)
	}
	return out
}

// runDiff runs n generated queries raw and rewritten, compares the answers,
// and checks the share a rollup served.
func runDiff(t *testing.T, w *service.Project, g *queryGen, n int, minShare float64) {
	ctx := context.Background()
	served := map[string]int{}
	rejected := map[string]int{}
	kinds := map[string]int{}
	hits, full, failures := 0, 0, 0
	start := time.Now()
	for i := range n {
		q := g.query()
		for _, k := range g.kinds {
			kinds[k]++
		}
		raw := *q
		raw.NoRollup = true
		want, err := w.Query(ctx, &raw)
		if err != nil {
			t.Fatalf("query %d (raw): %v\n%s", i, describeErr(err), queryJSON(q))
		}
		got, err := w.Query(ctx, q)
		if err != nil {
			t.Fatalf("query %d (rewritten): %v\n%s", i, describeErr(err), queryJSON(q))
		}
		if got.Meta.ServedBy != "raw" {
			hits++
			if !strings.Contains("+"+got.Meta.ServedBy+"+", "+raw+") {
				full++
			}
		} else {
			rejected[firstReason(t, w, q)]++
		}
		served[got.Meta.ServedBy]++
		if diff := diffResults(got, want); diff != "" {
			failures++
			t.Errorf("query %d: the rewritten answer (served by %s) differs from the raw one\nquery: %s\n%s\nrewritten SQL:\n%s\n\nraw SQL:\n%s\n\nrewritten rows:\n%s\nraw rows:\n%s",
				i, got.Meta.ServedBy, queryJSON(q), diff, got.Meta.SQL, want.Meta.SQL, formatRows(got.Rows, 30), formatRows(want.Rows, 30))
			if failures >= 5 {
				t.Fatalf("stopping after %d mismatches", failures)
			}
		}
	}
	share := float64(hits) / float64(n)
	t.Logf("%d queries in %s; %d (%.1f%%) served by a rollup (served_by != raw), %d (%.1f%%) with no part raw",
		n, time.Since(start).Round(time.Millisecond), hits, 100*share, full, 100*float64(full)/float64(n))
	t.Logf("served_by:\n%s", formatCounts(served))
	t.Logf("why raw (the rule the closest rollup failed):\n%s", formatCounts(rejected))
	t.Logf("query features:\n%s", formatCounts(kinds))
	if share < minShare {
		t.Errorf("only %.1f%% of the queries were served by a rollup; want at least %.0f%%", 100*share, 100*minShare)
	}
}

// firstReason names, for a query served raw, why the rewrite refused: the
// kind of reason of the rollup that came closest (failed the latest rule).
func firstReason(t *testing.T, w *service.Project, q *plan.Query) string {
	c, err := w.Compile(q)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	best, bestRank := "(no rollup of the fact)", -1
	for _, d := range c.Decisions {
		if d.Reason == "" || d.Used {
			continue
		}
		kind, rank := reasonKind(d.Reason)
		if rank > bestRank {
			best, bestRank = kind, rank
		}
	}
	return best
}

// reasonKind classifies a rewrite reason, ranked by the order of the rules.
func reasonKind(r string) (string, int) {
	switch {
	case strings.HasPrefix(r, "dimension"):
		return "dimension not in rollup", 1
	case strings.HasPrefix(r, "grain"):
		return "grain not computable", 2
	case strings.HasPrefix(r, "filter on") && strings.Contains(r, "period over period"):
		return "shifted time filter splits periods", 3
	case strings.HasPrefix(r, "filter field"):
		return "filter field not in rollup", 4
	case strings.HasPrefix(r, "filter"):
		return "time filter not >= / < a boundary", 5
	case strings.HasPrefix(r, "measure"):
		return "measure not in rollup", 6
	case strings.HasPrefix(r, "semi-additive"):
		return "semi-additive needs its time by day", 7
	case strings.HasPrefix(r, "a cheaper"):
		return "a cheaper rollup", 9
	}
	return r, 8
}

func describeErr(err error) string {
	var ee *service.EngineError
	if errors.As(err, &ee) {
		return fmt.Sprintf("%v\nSQL:\n%s", err, ee.SQL)
	}
	return err.Error()
}

func queryJSON(q *plan.Query) string {
	b, _ := json.Marshal(q)
	return string(b)
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %5d  %s\n", m[k], k)
	}
	return b.String()
}

// ---- comparison -------------------------------------------------------------

// diffResults compares two answers to the same query row by row, in order
// (every generated query orders by all its dimensions, so the order is total),
// and describes the first differences; "" when they agree.
func diffResults(got, want *service.Result) string {
	var b strings.Builder
	if len(got.Columns) != len(want.Columns) {
		return fmt.Sprintf("columns: rewritten %d, raw %d\n", len(got.Columns), len(want.Columns))
	}
	for j := range got.Columns {
		if got.Columns[j].Name != want.Columns[j].Name {
			fmt.Fprintf(&b, "column %d: rewritten %s, raw %s\n", j, got.Columns[j].Name, want.Columns[j].Name)
		}
	}
	if len(got.Rows) != len(want.Rows) {
		fmt.Fprintf(&b, "row count: rewritten %d, raw %d\n", len(got.Rows), len(want.Rows))
	}
	diffs := 0
	for i := 0; i < min(len(got.Rows), len(want.Rows)); i++ {
		for j := range got.Columns {
			if !banktest.CellEqual(got.Rows[i][j], want.Rows[i][j], got.Columns[j].Type, banktest.FloatTolerance) {
				if diffs < 10 {
					fmt.Fprintf(&b, "row %d column %s: rewritten %s, raw %s\n  rewritten row: %s\n  raw row:       %s\n",
						i, got.Columns[j].Name, banktest.Show(got.Rows[i][j]), banktest.Show(want.Rows[i][j]), rowText(got.Rows[i]), rowText(want.Rows[i]))
				}
				diffs++
			}
		}
	}
	if diffs > 10 {
		fmt.Fprintf(&b, "… %d differing cells in all\n", diffs)
	}
	return b.String()
}

func rowText(r []any) string {
	cells := make([]string, len(r))
	for j, v := range r {
		cells[j] = banktest.Show(v)
	}
	return strings.Join(cells, " | ")
}

func formatRows(rows [][]any, max int) string {
	var b strings.Builder
	for i, r := range rows {
		if i == max {
			fmt.Fprintf(&b, "  … %d rows in all\n", len(rows))
			break
		}
		b.WriteString("  " + rowText(r) + "\n")
	}
	if len(rows) == 0 {
		b.WriteString("  (no rows)\n")
	}
	return b.String()
}

// ---- the query generator ----------------------------------------------------

// queryGen draws metric queries over the bank model. Its mix imitates what a
// metric layer sees: dashboards slicing the rollups' own dimensions by day,
// month or year over aligned ranges (most traffic), and analysts adding a
// field no rollup keeps, an hour grain, an unaligned time bound or a filter
// on a raw column (the rest).
type queryGen struct {
	r     *rand.Rand
	facts []*factSpec
	// fixed are queries to return first, in order, before generated ones.
	fixed []plan.Query
	// valueDate is the chance that a transactions query's time dimension or
	// range is on value_date rather than txn_time.
	valueDate float64
	// grainFilters and offsets are the chances that a time filter is written
	// on a grain field, and that a timestamp bound carries a UTC offset.
	grainFilters, offsets float64
	// kinds lists the features of the last query, for the test's log.
	kinds []string
}

func newQueryGen(r *rand.Rand, facts []*factSpec) *queryGen {
	return &queryGen{r: r, facts: facts, valueDate: 0.05, grainFilters: 0.15, offsets: 0.1}
}

// factSpec describes one fact for the generator.
type factSpec struct {
	name      string
	timeField string
	isDate    bool     // the time field is a DATE (no hour grain; any comparison is exact by day)
	simple    []string // metrics some rollup stores
	headline  []string // the most asked-for of them
	other     []string // derived, period-over-period and unrolled metrics
	rollDims  []string // dimensions kept by its rollups, the most used first
	// groups, when set, describe each rollup: a query draws its dimensions
	// from one group, and mostly its metrics and grain too.
	groups   []rollupGroup
	moreDims []string   // reachable fields no rollup keeps
	values   dimValues  // filter values of the rollup dimensions
	raw      []string   // filters on fields no rollup keeps
	grains   []weighted // time grains of the time field
}

// rollupGroup is what one rollup keeps, for drawing queries it may serve.
type rollupGroup struct {
	dims      []string
	metrics   []string
	timeField string // "" for the fact's
	grains    []weighted
}

type weighted struct {
	v string
	w int
}

type dimValues map[string][]string

var (
	segments = []string{"mass", "affluent", "private", "staff"}
	cities   = []string{"Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Chongqing", "Nanjing", "Tianjin", "Xi'an", "Xiamen", "Shenyang", "Atlantis"}
	regions  = []string{"East", "North", "South", "West"}
	channels = []string{"mobile", "web", "branch", "atm", "pos"}
	devices  = []string{"ios", "android", "web"}
)

var facts = []*factSpec{
	{
		name:      "transactions",
		timeField: "transactions.txn_time",
		simple:    []string{"txn_amount", "txn_count", "posted_count", "reversed_count", "active_customers", "approx_customers", "max_txn", "min_txn", "avg_amount"},
		headline:  []string{"txn_amount", "txn_count", "active_customers"},
		other: []string{"avg_ticket", "reversal_rate", "txn_amount_prev_month", "txn_amount_mom", "txn_amount_prev_year", "pending_count", "merchant_categories",
			"txn_amount_mtd", "txn_amount_ytd", "txn_amount_7d", "active_customers_7d", "active_customers_mtd", "txn_count_3m", "avg_amount_mtd", "mtd_share_of_ytd"},
		rollDims: []string{"customers.segment", "channels.name", "branches.city"},
		moreDims: []string{"transactions.status", "transactions.merchant_category", "channels.kind", "customers.risk_level", "customers.age_band", "customers.aum_tier", "branches.region", "products.category", "value_day.is_weekend", "transactions.is_large"},
		values:   dimValues{"customers.segment": segments, "channels.name": channels, "branches.city": cities},
		raw: []string{
			"transactions.status = 'posted'", "transactions.status IN ('reversed', 'pending')", "transactions.amount >= 1000",
			"customers.risk_level = 'high'", "channels.kind = 'digital'", "branches.region IN ('East', 'South')",
			"transactions.value_date >= '2024-07-01'", "customers.age_band = 'under 30'", "value_day.is_weekend",
		},
		grains: []weighted{{"hour", 3}, {"day", 22}, {"week", 10}, {"month", 35}, {"quarter", 12}, {"year", 18}},
	},
	{
		name:      "balances",
		timeField: "balances.snapshot_date",
		isDate:    true,
		simple:    []string{"total_balance", "opening_balance"},
		other:     []string{"account_balance"},
		rollDims:  []string{"customers.segment", "branches.region"},
		moreDims:  []string{"customers.risk_level", "branches.city", "products.category", "accounts.status", "customers.aum_tier"},
		values:    dimValues{"customers.segment": segments, "branches.region": regions},
		raw: []string{
			"customers.risk_level IN ('low', 'medium')", "balances.balance > 0", "products.category = 'deposit'",
			"branches.city = 'Shanghai'", "accounts.status = 'open'",
		},
		grains: []weighted{{"", 8}, {"day", 15}, {"week", 10}, {"month", 40}, {"quarter", 12}, {"year", 15}},
	},
	{
		name:      "app_events",
		timeField: "app_events.event_time",
		simple:    []string{"app_events", "app_users", "logins"},
		other:     []string{"purchases"},
		rollDims:  []string{"app_events.device", "customers.segment"},
		moreDims:  []string{"app_events.event_type", "customers.risk_level", "branches.region", "customers.gender"},
		values:    dimValues{"app_events.device": devices, "customers.segment": segments},
		raw: []string{
			"app_events.event_type = 'transfer'", "customers.risk_level = 'low'", "app_events.event_type IN ('login', 'view')",
			"branches.region = 'North'",
		},
		grains: []weighted{{"hour", 4}, {"day", 30}, {"week", 12}, {"month", 30}, {"quarter", 8}, {"year", 16}},
	},
}

// diffExtraModel adds metrics no rollup stores to the test's copy of the
// bank model, so that some queries need a measure only the raw tables have.
const diffExtraModel = `metrics:
  - name: pending_count
    agg: count
    filter: transactions.status = 'pending'
  - name: merchant_categories
    agg: count_distinct
    expr: transactions.merchant_category
  - name: purchases
    agg: count
    filter: app_events.event_type = 'purchase'
`

// metricKinds classifies metrics for the log.
var metricKinds = map[string]string{
	"txn_amount": "sum", "total_balance": "semi-additive", "opening_balance": "semi-additive", "account_balance": "semi-additive(per)",
	"txn_count": "count", "app_events": "count", "posted_count": "count(*) filtered", "reversed_count": "count(*) filtered",
	"logins": "count(*) filtered", "pending_count": "count(*) filtered (unrolled)", "purchases": "count(*) filtered (unrolled)",
	"active_customers": "count_distinct", "app_users": "count_distinct", "merchant_categories": "count_distinct (unrolled)",
	"approx_customers": "approx_count_distinct", "max_txn": "max", "min_txn": "min", "avg_amount": "avg",
	"avg_ticket": "derived", "reversal_rate": "derived", "amount_per_user": "derived (drill-across)",
	"txn_amount_prev_month": "period-over-period", "txn_amount_prev_year": "period-over-period", "txn_amount_mom": "period-over-period",
	"txn_amount_prev_week": "period-over-period (week)", "txn_count_prev_day": "period-over-period (day)", "app_users_prev_month": "period-over-period",
	"txn_amount_mtd": "cumulative to_date (sum)", "txn_amount_ytd": "cumulative to_date (sum)", "txn_amount_7d": "cumulative window (sum)",
	"active_customers_7d": "cumulative window (count_distinct)", "active_customers_mtd": "cumulative to_date (count_distinct)",
	"txn_count_3m": "cumulative window (count)", "avg_amount_mtd": "cumulative to_date (avg)", "mtd_share_of_ytd": "derived over cumulative",
}

// integerish metrics are exact (integers or decimals): safe to order and filter on.
var exactMetrics = map[string]bool{
	"txn_amount": true, "txn_count": true, "posted_count": true, "reversed_count": true, "active_customers": true,
	"approx_customers": true, "max_txn": true, "min_txn": true, "total_balance": true, "opening_balance": true,
	"account_balance": true, "app_events": true, "app_users": true, "logins": true, "pending_count": true,
	"merchant_categories": true, "purchases": true, "txn_amount_prev_month": true, "txn_amount_prev_year": true,
	"txn_amount_prev_week": true, "txn_count_prev_day": true, "app_users_prev_month": true,
	"txn_amount_mtd": true, "txn_amount_ytd": true, "txn_amount_7d": true, "active_customers_7d": true, "active_customers_mtd": true, "txn_count_3m": true,
}

func (g *queryGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *queryGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *queryGen) pickWeighted(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := g.r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

// subset returns k distinct elements of list in random order.
func (g *queryGen) subset(list []string, k int) []string {
	perm := g.r.Perm(len(list))
	out := make([]string, 0, k)
	for _, i := range perm[:min(k, len(list))] {
		out = append(out, list[i])
	}
	return out
}

func (g *queryGen) note(kind string) { g.kinds = append(g.kinds, kind) }

// query draws one query.
func (g *queryGen) query() *plan.Query {
	g.kinds = g.kinds[:0]
	if len(g.fixed) > 0 {
		q := g.fixed[0]
		g.fixed = g.fixed[1:]
		g.note("regression")
		return &q
	}
	if g.chance(0.07) {
		return g.drillAcross()
	}
	var f *factSpec
	switch n := g.r.IntN(100); {
	case n < 60:
		f = g.facts[0]
	case n < 80:
		f = g.facts[1]
	default:
		f = g.facts[2]
	}
	g.note("fact " + f.name)
	q := &plan.Query{}

	var grp *rollupGroup
	if len(f.groups) > 0 {
		grp = &f.groups[g.r.IntN(len(f.groups))]
	}

	// Metrics: one to three, mostly ones a rollup stores.
	nm := 1 + g.r.IntN(3)
	seen := map[string]bool{}
	needsTime := false
	for range nm {
		m := g.pick(f.simple)
		switch n := g.r.Float64(); {
		case n < 0.25:
			m = g.pick(f.other)
		case grp != nil && n < 0.85:
			m = g.pick(grp.metrics)
		case grp == nil && n < 0.55 && len(f.headline) > 0:
			m = g.pick(f.headline)
		}
		if seen[m] {
			continue
		}
		seen[m] = true
		q.Metrics = append(q.Metrics, m)
		g.note("metric " + metricKinds[m])
		if strings.Contains(m, "prev_") || strings.HasSuffix(m, "_mom") || cumulativeMetric(m) {
			needsTime = true
		}
	}

	// Dimensions: a random subset of the rollup dimensions (small ones are
	// the common case); now and then a field no rollup keeps.
	ndims := []int{0, 1, 1, 1, 2, 2, 3}[g.r.IntN(7)]
	pool := f.rollDims
	if grp != nil {
		pool = grp.dims
	}
	dims := g.subset(pool, ndims)
	if len(dims) == 1 && g.chance(0.4) {
		dims[0] = pool[0] // the breakdown dashboards use most
	}
	if g.chance(0.15) {
		dims = append(dims, g.pick(f.moreDims))
		g.note("dimension outside the rollups")
	}
	timeField := f.timeField
	fineRange := false
	if f.name == "transactions" && g.chance(g.valueDate) {
		timeField = "transactions.value_date"
	}
	if grp != nil && grp.timeField != "" && g.chance(0.8) {
		timeField = grp.timeField
	}
	if timeField == "transactions.value_date" {
		g.note("time on value_date")
	}
	if needsTime || g.chance(0.65) {
		grains := f.grains
		if timeField == "transactions.value_date" {
			grains = []weighted{{"", 1}, {"day", 1}, {"week", 1}, {"month", 2}, {"year", 1}}
		}
		if grp != nil && grp.grains != nil && g.chance(0.8) {
			grains = grp.grains
		}
		grain := g.pickWeighted(grains)
		if needsTime && grain == "" {
			grain = "month"
		}
		grain = g.toDateGrain(q.Metrics, grain)
		if grain == "hour" && (f.isDate || timeField == "transactions.value_date") {
			grain = "day" // a date has no hours
		}
		// A fine grain goes with few other dimensions and usually a
		// range, as on a dashboard's trend chart.
		if fine := grain == "hour" || grain == "day" || grain == "" || grain == "week"; fine {
			if len(dims) > 1 && g.chance(0.8) {
				dims = dims[:1]
			}
			if grain == "hour" || g.chance(0.6) {
				fineRange = true
			}
		}
		d := timeField
		if grain != "" {
			d += "." + grain
		}
		g.note("grain " + orNone(grain))
		dims = append(dims, d)
		// Place the time dimension anywhere.
		i := g.r.IntN(len(dims))
		dims[i], dims[len(dims)-1] = dims[len(dims)-1], dims[i]
	}
	q.Dimensions = dims

	// Filters.
	var where []string
	if g.chance(0.55) {
		where = append(where, g.dimFilter(f.values, dims))
	}
	if g.chance(0.15) {
		where = append(where, g.dimFilter(f.values, dims))
	}
	if fineRange || g.chance(0.5) {
		where = append(where, g.timeFilter(f, fineRange)...)
	}
	if g.chance(0.10) {
		where = append(where, g.pick(f.raw))
		g.note("filter outside the rollups")
	}
	if g.chance(0.06) {
		where = append(where, g.pick(odd[f.name]))
		g.note("filter with a function")
	}
	q.Where = strings.Join(where, " AND ")

	g.finish(q)
	if len(q.Dimensions) > 0 && g.chance(0.08) {
		g.valuesOnly(q, f)
	}
	return q
}

// valuesOnly turns a query into one without metrics: the values of its
// dimensions over the fact's wide table, ordered by dimensions only.
func (g *queryGen) valuesOnly(q *plan.Query, f *factSpec) {
	q.Metrics, q.Having, q.From = nil, "", f.name
	var order []string
	for _, o := range q.Order {
		if slices.Contains(q.Dimensions, strings.TrimPrefix(o, "-")) {
			order = append(order, o)
		}
	}
	q.Order = order
	g.note("values without metrics")
}

// odd are filters written with functions, LIKE, NOT IN and the like: on
// rollup dimensions they can be answered from the rollup; on a timestamp
// time field they cannot; on a date kept by day they can.
var odd = map[string][]string{
	"transactions": {
		"channels.name LIKE 'm%'", "COALESCE(customers.segment, 'none') IN ('none', 'staff')", "branches.city NOT IN ('Shanghai', 'Beijing')",
		"YEAR(transactions.txn_time) = 2025", "DATE(transactions.txn_time) >= '2024-06-01'", "UPPER(channels.name) = 'ATM'",
		"(customers.segment = 'mass' OR channels.name = 'web')", "HOUR(transactions.txn_time) >= 20",
	},
	"balances": {
		"balances.snapshot_date = '2025-03-31'", "MONTH(balances.snapshot_date) IN (3, 6, 9, 12)", "branches.region LIKE '%th'",
		"COALESCE(customers.segment, 'none') <> 'mass'", "balances.snapshot_date IN ('2024-12-31', '2025-06-30')",
		"DAYOFWEEK(balances.snapshot_date) = 1",
	},
	"app_events": {
		"app_events.device NOT IN ('web')", "YEAR(app_events.event_time) = 2024", "CONCAT(app_events.device, '-') = 'ios-'",
		"(app_events.device = 'web' OR customers.segment IS NULL)",
	},
}

func orNone(s string) string {
	if s == "" {
		return "(date itself)"
	}
	return s
}

// dimFilter filters a rollup dimension: IN, =, <>, IS NULL.
func (g *queryGen) dimFilter(values dimValues, dims []string) string {
	var keys []string
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	field := g.pick(keys)
	// Half the time, filter a dimension the query shows (a dashboard's
	// filter on the field it breaks down by).
	if g.chance(0.5) {
		for _, d := range g.subset(dims, len(dims)) {
			if _, ok := values[d]; ok {
				field = d
				break
			}
		}
	}
	vals := values[field]
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch n := g.r.IntN(10); {
	case n < 5:
		vs := g.subset(vals, 1+g.r.IntN(3))
		for i := range vs {
			vs[i] = quote(vs[i])
		}
		g.note("filter IN")
		return fmt.Sprintf("%s IN (%s)", field, strings.Join(vs, ", "))
	case n < 8:
		g.note("filter =")
		return fmt.Sprintf("%s = %s", field, quote(g.pick(vals)))
	case n < 9:
		g.note("filter <>")
		return fmt.Sprintf("%s <> %s", field, quote(g.pick(vals)))
	default:
		g.note("filter IS [NOT] NULL")
		if g.chance(0.5) {
			return field + " IS NOT NULL"
		}
		return field + " IS NULL"
	}
}

// The facts span 2024-01-01 to 2025-06-30 (UTC; a little later in local time).
var (
	dataStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	dataDays  = 547
)

// timeFilter draws a range on the fact's time field: mostly aligned to a
// year, month or day (what a dashboard's date picker sends), sometimes with
// an hour in it, or written with an operator the rewrite cannot use.
func (g *queryGen) timeFilter(f *factSpec, short bool) []string {
	field := f.timeField
	if f.name == "transactions" && g.chance(g.valueDate) {
		field = "transactions.value_date"
	}
	day := func() time.Time { return dataStart.AddDate(0, 0, g.r.IntN(dataDays)) }
	if g.chance(g.grainFilters) {
		return g.grainFilter(f, field, day)
	}
	var lo, hi time.Time
	align := g.pickWeighted([]weighted{{"year", 20}, {"month", 45}, {"day", 20}, {"hour", 15}})
	if short && align == "year" {
		align = "month"
	}
	g.note("time bound " + align)
	switch align {
	case "year":
		y := 2024 + g.r.IntN(2)
		lo = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		hi = lo.AddDate(1, 0, 0)
	case "month":
		lo = time.Date(2024, time.Month(1+g.r.IntN(18)), 1, 0, 0, 0, 0, time.UTC)
		hi = lo.AddDate(0, 1+g.r.IntN(6), 0)
	case "day":
		lo = day()
		hi = lo.AddDate(0, 0, 1+g.r.IntN(60))
	case "hour":
		lo = day().Add(time.Duration(1+g.r.IntN(23)) * time.Hour)
		hi = lo.Add(time.Duration(1+g.r.IntN(24*40)) * time.Hour)
		if g.chance(0.3) {
			lo = lo.Add(time.Duration(g.r.IntN(60)) * time.Minute)
		}
	}
	lit := func(t time.Time) string {
		if !f.isDate && field != "transactions.value_date" && g.chance(g.offsets) {
			return g.offsetLiteral(t)
		}
		hasClock := t.Hour() != 0 || t.Minute() != 0
		switch n := g.r.IntN(6); {
		case hasClock || n == 0:
			return "'" + t.Format("2006-01-02 15:04:05") + "'"
		case n == 1:
			if f.isDate || field == "transactions.value_date" {
				return "DATE '" + t.Format("2006-01-02") + "'"
			}
			return "TIMESTAMP '" + t.Format("2006-01-02 15:04:05") + "'"
		case n == 2:
			return "DATE '" + t.Format("2006-01-02") + "'"
		}
		return "'" + t.Format("2006-01-02") + "'"
	}
	switch n := g.r.IntN(20); {
	case n < 9: // a closed-open range
		return []string{fmt.Sprintf("%s >= %s", field, lit(lo)), fmt.Sprintf("%s < %s", field, lit(hi))}
	case n < 12: // from a date on
		if g.chance(0.5) {
			return []string{fmt.Sprintf("%s <= %s", lit(lo), field)}
		}
		return []string{fmt.Sprintf("%s >= %s", field, lit(lo))}
	case n < 14: // up to a date
		if g.chance(0.5) {
			return []string{fmt.Sprintf("%s > %s", lit(hi), field)}
		}
		return []string{fmt.Sprintf("%s < %s", field, lit(hi))}
	case n < 16: // inclusive upper bound: a different question at the bound
		g.note("time filter <=")
		return []string{fmt.Sprintf("%s >= %s", field, lit(lo)), fmt.Sprintf("%s <= %s", field, lit(hi))}
	case n < 18:
		g.note("time filter BETWEEN")
		return []string{fmt.Sprintf("%s BETWEEN %s AND %s", field, lit(lo), lit(hi))}
	case n < 19:
		g.note("time filter >")
		return []string{fmt.Sprintf("%s > %s", field, lit(lo))}
	}
	g.note("time filter parenthesised")
	return []string{fmt.Sprintf("(%s >= %s AND (%s < %s))", field, lit(lo), field, lit(hi))}
}

// drillAcross draws a query over two facts, grouped by fields both reach.
func (g *queryGen) drillAcross() *plan.Query {
	q := &plan.Query{}
	switch g.r.IntN(4) {
	case 0:
		q.Metrics = []string{"amount_per_user"}
	case 1:
		q.Metrics = []string{"txn_amount", "app_users"}
	case 2:
		q.Metrics = []string{g.pick([]string{"txn_count", "active_customers"}), "total_balance"}
	default:
		q.Metrics = []string{"logins", "posted_count"}
	}
	g.note("drill-across")
	shared := []string{"customers.segment", "branches.city", "branches.region", "customers.risk_level"}
	q.Dimensions = g.subset(shared[:1], g.r.IntN(2))
	if g.chance(0.4) {
		q.Dimensions = append(q.Dimensions, g.pick(shared[1:]))
	}
	if g.chance(0.4) {
		vs := g.subset(segments, 1+g.r.IntN(3))
		for i := range vs {
			vs[i] = "'" + vs[i] + "'"
		}
		q.Where = "customers.segment IN (" + strings.Join(vs, ", ") + ")"
	}
	g.finish(q)
	return q
}

// finish adds having, order, limit, offset and freshness. The order always
// ends with every dimension, so that it is total and both answers can be
// compared row by row.
func (g *queryGen) finish(q *plan.Query) {
	var exact []string
	for _, m := range q.Metrics {
		if exactMetrics[m] {
			exact = append(exact, m)
		}
	}
	if len(exact) > 0 && g.chance(0.12) {
		m := g.pick(exact)
		if f := factOf(q.Metrics[0]); f != nil && g.chance(0.3) {
			if o := g.pick(f.simple); exactMetrics[o] {
				m = o // a metric the query does not show
			}
		}
		if g.chance(0.5) {
			q.Having = m + " > 0"
		} else {
			q.Having = fmt.Sprintf("%s >= %d", m, 1+g.r.IntN(20))
		}
		g.note("having")
	}
	var order []string
	if len(exact) > 0 && g.chance(0.25) {
		m := g.pick(exact)
		if g.chance(0.6) {
			m = "-" + m
		}
		order = append(order, m)
		g.note("order by metric")
	}
	for _, i := range g.r.Perm(len(q.Dimensions)) {
		d := q.Dimensions[i]
		if g.chance(0.3) {
			d = "-" + d
		}
		order = append(order, d)
	}
	if len(order) > 0 && (g.chance(0.5) || len(order) > len(q.Dimensions)) {
		q.Order = order
	}
	if g.chance(0.15) {
		q.Limit = 1 + g.r.IntN(50)
		if g.chance(0.3) {
			q.Offset = g.r.IntN(20)
		}
		g.note("limit")
	}
	if g.chance(0.05) {
		q.Freshness = "1h"
	}
}

// factOf finds the fact whose metric lists name the metric.
func factOf(metric string) *factSpec {
	for _, f := range facts {
		for _, m := range append(append([]string{}, f.simple...), f.other...) {
			if m == metric {
				return f
			}
		}
	}
	return nil
}
