package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
)

// Explanation says how a query is answered.
type Explanation struct {
	ServedBy string      `json:"served_by"`
	Plan     string      `json:"plan"`
	SQL      string      `json:"sql"`
	Rollups  []Candidate `json:"rollups"`
	// Tails are the parts a rollup serves with a lambda tail: which of its
	// partitions it answers from, which ranges are read raw.
	Tails []TailSplit `json:"tails,omitempty"`
}

// Candidate is one rollup considered for a query part, and why it was or was
// not used: Code is the rewrite's stable verdict (rewrite.Code…), Reason its prose.
type Candidate struct {
	Rollup string `json:"rollup"`
	Part   string `json:"part,omitempty"`
	Used   bool   `json:"used"`
	Code   string `json:"code"`
	Reason string `json:"reason,omitempty"`
	Rows   int64  `json:"rows,omitempty"`
}

// Explain compiles a query and reports its plan, source, SQL and every
// rollup's verdict, as the rewrite recorded them.
func (s *Project) Explain(ctx context.Context, q *plan.Query) (*Explanation, error) {
	c, err := s.Compile(q)
	if err != nil {
		return nil, err
	}
	x := &Explanation{ServedBy: c.Plan.ServedBy(), Plan: c.Plan.String(), SQL: c.SQL, Rollups: []Candidate{}}
	used := map[string]string{} // part → the rollup serving it
	for _, d := range c.Decisions {
		if d.Used {
			used[d.Part] = d.Rollup
		}
	}
	for _, d := range c.Decisions {
		cand := Candidate{Rollup: d.Rollup, Part: d.Part, Used: d.Used, Code: d.Code, Reason: d.Reason, Rows: d.Rows}
		if q.Scope != nil {
			// A rollup's rows are counted over every key's rows, which a
			// scoped key may not learn (as it may not read /v1/rollups).
			cand.Rows = 0
			if d.Code == rewrite.CodeCheaper {
				cand.Reason = fmt.Sprintf("a cheaper rollup serves it (%s)", used[d.Part])
			}
		}
		x.Rollups = append(x.Rollups, cand)
	}
	tails, err := s.tails(ctx, c.Plan)
	if err != nil {
		return nil, err
	}
	x.Tails = tails
	return x, nil
}

// Text renders the explanation for a terminal.
func (x *Explanation) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "served by: %s\n\nplan:\n%s\n", x.ServedBy, indentText(x.Plan))
	if len(x.Rollups) > 0 {
		b.WriteString("rollups:\n")
		for _, c := range x.Rollups {
			if c.Used {
				fmt.Fprintf(&b, "  %s: used for %s (%d rows)\n", c.Rollup, c.Part, c.Rows)
			} else {
				fmt.Fprintf(&b, "  %s: %s\n", c.Rollup, c.Reason)
			}
		}
		b.WriteString("\n")
	}
	for _, t := range x.Tails {
		b.WriteString(t.text())
	}
	fmt.Fprintf(&b, "sql:\n%s\n", indentText(x.SQL))
	return b.String()
}

func indentText(s string) string {
	s = strings.TrimRight(s, "\n")
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
