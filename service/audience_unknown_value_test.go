package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/service"
)

// TestUnknownCategoricalValueWarns: a categorical tag compared with a value
// no customer holds (a typo: risk = 'hgh') answers the exact size, checked
// against hand-written SQL (0 customers for the typo alone), and the answer
// carries a warning naming the tag's values with a suggestion — in
// AudienceResponse.Warnings and on the tag's entry in tags, for sizes and
// for the members an export or a metric query reads; known values warn of
// nothing. Both evaluations (bitsets and roaring bitmaps) warn the same.
func TestUnknownCategoricalValueWarns(t *testing.T) {
	w, s := bankService(t)
	ctx := context.Background()
	cases := []struct {
		expr, sql string
		warnings  map[string][]string // tag → parts its warning must hold
	}{
		{"risk = 'hgh'", risk("hgh"), map[string][]string{
			"risk": {`tag risk has no value "hgh", so it selects no one; did you mean "high"?`, "(its values: high, low, medium)"}}},
		{"risk IN ('high', 'hgh') OR segment = 'mas'", risk("high") + " OR " + seg("hgh") + " OR " + seg("mas"), map[string][]string{
			"risk":    {`no value "hgh"`, `did you mean "high"?`},
			"segment": {`tag segment has no value "mas"`, `did you mean "mass"?`, "its values: affluent, mass, private, staff"}}},
		{"NOT risk = 'Medium' AND NOT risk = 'hgh'", "NOT " + risk("Medium") + " AND NOT " + risk("hgh"), map[string][]string{
			"risk": {`no value "Medium"`, `no value "hgh"`}}},
		{"risk IN ('high', 'low') AND segment = 'mass'", "(" + risk("high") + " OR " + risk("low") + ") AND " + seg("mass"), nil},
	}
	for _, mode := range []string{"dense", "roaring"} {
		s.SetRoaringOnly(mode == "roaring")
		for _, c := range cases {
			want := ids(t, w.Engine, c.sql)
			res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr})
			if err != nil {
				t.Fatalf("%s %s: %v", mode, c.expr, err)
			}
			if res.Size != uint64(len(want)) {
				t.Errorf("%s %s: size %d, hand-written %d", mode, c.expr, res.Size, len(want))
			}
			if c.sql == risk("hgh") && res.Size != 0 {
				t.Errorf("%s: a value no customer holds selects %d", c.expr, res.Size)
			}
			if len(res.Warnings) != len(c.warnings) {
				t.Errorf("%s %s: warnings %q, want one for each of %v", mode, c.expr, res.Warnings, c.warnings)
			}
			_, _, uses, err := s.Members(ctx, c.expr)
			if err != nil {
				t.Fatal(err)
			}
			for _, list := range [][]service.TagUse{res.Tags, uses} {
				for _, u := range list {
					parts, warn := c.warnings[u.Name]
					if !warn {
						if u.Warning != "" {
							t.Errorf("%s %s: tag %s warns %q", mode, c.expr, u.Name, u.Warning)
						}
						continue
					}
					for _, p := range parts {
						if !strings.Contains(u.Warning, p) {
							t.Errorf("%s %s: tag %s warning %q lacks %q", mode, c.expr, u.Name, u.Warning, p)
						}
					}
				}
			}
		}
	}
	s.SetRoaringOnly(false)
}
