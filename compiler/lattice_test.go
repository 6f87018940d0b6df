package compiler_test

import (
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/model"
)

// TestLatticeDerivable checks which of the bank's rollups, and variants of
// them, can be built from which: a month from a day, never a week from a
// month; a semi-additive snapshot only at its day grain; distinct sets only
// where the engine keeps them as columns; and the build order puts every
// source before what is built from it.
func TestLatticeDerivable(t *testing.T) {
	p, diags := model.Load(bankProject)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	str := func(s string) model.Str { return model.Str{Value: s} }
	add := func(name, grain string, metrics []string, dims ...string) {
		r := &model.Rollup{Name: name, Time: &model.RollupTime{Field: str("transactions.txn_time"), Grain: str(grain)}}
		if strings.HasPrefix(name, "bal") {
			r.Time.Field = str("balances.snapshot_date")
		}
		for _, m := range metrics {
			r.Metrics = append(r.Metrics, str(m))
		}
		for _, d := range dims {
			r.Dimensions = append(r.Dimensions, str(d))
		}
		p.Rollups = append(p.Rollups, r)
	}
	add("txn_week_seg", "week", []string{"txn_amount", "active_customers"}, "customers.segment")
	add("txn_week_from_month", "week", []string{"txn_count"}, "customers.segment")
	add("bal_month", "month", []string{"total_balance"}, "customers.segment")
	add("bal_day_seg", "day", []string{"total_balance"}, "customers.segment")
	add("txn_city_day", "day", []string{"txn_amount"}, "branches.city", "customers.segment")
	cat, cd := compiler.Check(p)
	if cd.HasErrors() {
		t.Fatal(cd)
	}
	rs := map[string]*rollup.Rollup{}
	defs := rollup.Definitions(cat)
	for _, r := range defs {
		rs[r.Name] = r
	}
	for _, c := range []struct {
		target, source string
		sets           bool
		why            string // "" when derivable; else a part of the reason
	}{
		{"txn_monthly_segment", "txn_daily", true, ""},
		{"txn_week_seg", "txn_daily", true, ""},
		{"txn_week_seg", "txn_daily", false, "side tables of keys"},
		{"txn_week_from_month", "txn_monthly_segment", true, "month periods do not compose week"},
		{"txn_daily", "txn_monthly_segment", true, "does not keep"},
		{"txn_monthly_segment", "txn_city_day", true, "does not store"},
		{"bal_day_seg", "balance_daily", true, ""},
		{"bal_month", "balance_daily", true, "semi-additive"},
		{"app_daily", "txn_daily", true, "aggregates"},
		{"txn_daily", "txn_daily", true, "itself"},
	} {
		got := rollup.DerivableFrom(rs[c.target], rs[c.source], c.sets)
		if (c.why == "") != (got == "") || (c.why != "" && !strings.Contains(got, c.why)) {
			t.Errorf("%s from %s (sets %v): %q, want %q", c.target, c.source, c.sets, got, c.why)
		}
	}
	order := rollup.BuildOrder(defs, true)
	pos := map[string]int{}
	for i, r := range order {
		pos[r.Name] = i
	}
	if len(order) != len(defs) {
		t.Fatalf("order has %d rollups, want %d", len(order), len(defs))
	}
	for _, t2 := range defs {
		for _, s := range defs {
			if rollup.DerivableFrom(t2, s, true) == "" && rollup.DerivableFrom(s, t2, true) != "" && pos[s.Name] > pos[t2.Name] {
				t.Errorf("%s is ordered before %s, which it can be built from", t2.Name, s.Name)
			}
		}
	}

	// The build from a rollup re-aggregates each storage column.
	sql, err := sqlgen.RollupBuildFrom(rs["txn_week_seg"], rs["txn_daily"], "_strata.r_txn_daily_x", sqlgen.DuckDB{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`CAST(date_trunc('week', "s"."transactions.txn_time.day") AS DATE) AS "transactions.txn_time.week"`,
		`SUM("s"."txn_amount") AS "txn_amount"`,
		`(list("s"."active_customers.set"))`,
		`FROM "_strata"."r_txn_daily_x" AS "s"`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("build from txn_daily lacks %s:\n%s", want, sql)
		}
	}
	if _, err := sqlgen.RollupBuildFrom(rs["bal_month"], rs["balance_daily"], "t", sqlgen.DuckDB{}); err == nil {
		t.Error("a semi-additive month built from days: no error")
	}
}
