package compiler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/model"
)

// grainModel is a shop whose model expressions read time fields at a grain;
// each case replaces one of the %…% markers (the others get a valid default).
const grainModel = `tables:
  - name: orders
    kind: fact
    source: data/orders.parquet
    primary_key: order_id
    time: placed_at
    columns:
      order_id: bigint
      customer_id: bigint
      region: varchar
      amount: decimal(12,2)
      placed_at: timestamp
      ship_date: date
  - name: customers
    kind: dimension
    source: data/customers.parquet
    primary_key: customer_id
    columns:
      customer_id: bigint
      joined_on: date

relationships:
  - orders.customer_id -> customers.customer_id

dimensions:
  - name: orders.ship_month
    expr: %DIM%
metrics:
  - %METRIC%
tags:
  - name: early
    entity: customers
    where: %TAG%
`

const grainSettings = `version: 1
name: shop
timezone: UTC
models: [models/]
api:
  keys:
    - name: january
      token: ${JANUARY_TOKEN}
      where: %KEY%
`

// TestGrainsInModelExpressions: metric filters, computed dimensions, tag and
// API key filters read table.column.grain as a query's where does (the start
// of the period), and strata validate reports a wrong grain reference with its
// code at its line and column.
func TestGrainsInModelExpressions(t *testing.T) {
	defaults := map[string]string{
		"%DIM%":    "ship_date.month",
		"%METRIC%": `{name: jan, agg: sum, expr: orders.amount, filter: "orders.placed_at.month = '2025-01-01'"}`,
		"%TAG%":    `"customers.joined_on.year = '2020-01-01'"`,
		"%KEY%":    `"orders.placed_at.month >= '2025-01-01'"`,
	}
	cases := []struct {
		name, mark, text, code string
		at                     string // where the error points, in text
	}{
		{"all valid", "%DIM%", "orders.ship_date.quarter", "", ""},
		{"computed dimension comparing grains", "%DIM%", "placed_at.day = placed_at.month", "", ""},
		{"metric filter IN", "%METRIC%", `{name: q, agg: count, filter: "orders.placed_at.quarter IN ('2025-01-01', '2025-04-01')"}`, "", ""},
		{"metric filter mid-month label", "%METRIC%", `{name: jan, agg: count, filter: "orders.placed_at.month = '2025-01-15'"}`, "bad-period-label", `'2025-01-15'`},
		{"metric filter grain vs number", "%METRIC%", `{name: jan, agg: count, filter: "orders.placed_at.month = 202501"}`, "type-mismatch", `202501`},
		{"metric filter unknown grain", "%METRIC%", `{name: jan, agg: count, filter: "orders.placed_at.fortnight = '2025-01-01'"}`, "bad-grain", `orders.placed_at.fortnight`},
		{"metric filter hour of a date", "%METRIC%", `{name: jan, agg: count, filter: "orders.ship_date.hour = '2025-01-01'"}`, "bad-grain", `orders.ship_date.hour`},
		{"metric filter grain of a varchar", "%METRIC%", `{name: jan, agg: count, filter: "orders.region.month = '2025-01-01'"}`, "bad-grain", `orders.region.month`},
		{"computed dimension grain of a varchar", "%DIM%", "region.month", "bad-grain", `region.month`},
		{"computed dimension mid-year label", "%DIM%", "ship_date.year = '2025-06-01'", "bad-period-label", `'2025-06-01'`},
		{"computed dimension other table", "%DIM%", "customers.joined_on.year", "unknown-field", `customers.joined_on.year`},
		{"tag where grain vs number", "%TAG%", `"customers.joined_on.year = 2020"`, "type-mismatch", `2020"`},
		{"tag where unknown grain", "%TAG%", `"customers.joined_on.decade = '2020-01-01'"`, "bad-grain", `customers.joined_on.decade`},
		{"key where hour of a date", "%KEY%", `"orders.ship_date.hour = '2025-01-01'"`, "bad-grain", `orders.ship_date.hour`},
		{"key where grain vs number", "%KEY%", `"orders.placed_at.month = 202501"`, "type-mismatch", `202501`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
				t.Fatal(err)
			}
			fill := func(text string) string {
				for mark, def := range defaults {
					if mark == c.mark {
						def = c.text
					}
					text = strings.Replace(text, mark, def, 1)
				}
				return text
			}
			write(t, filepath.Join(dir, "strata.yaml"), fill(grainSettings))
			write(t, filepath.Join(dir, "models", "shop.yaml"), fill(grainModel))
			p, diags := model.Load(dir)
			if !diags.HasErrors() {
				_, diags = compiler.Check(p)
			}
			if c.code == "" {
				if diags.HasErrors() {
					t.Fatalf("valid model rejected:\n%v", diags)
				}
				return
			}
			file, tmpl := "shop.yaml", grainModel
			if c.mark == "%KEY%" {
				file, tmpl = "strata.yaml", grainSettings
			}
			line := strings.Count(tmpl[:strings.Index(tmpl, c.mark)], "\n") + 1
			filled := strings.Split(fill(tmpl), "\n")[line-1]
			col := strings.Index(filled, c.at) + 1
			for _, d := range diags {
				if d.Code == c.code && filepath.Base(d.Pos.File) == file && d.Pos.Line == line && d.Pos.Col == col {
					return
				}
			}
			t.Fatalf("want %s at %s:%d:%d, got:\n%v", c.code, file, line, col, diags)
		})
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
