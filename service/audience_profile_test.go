package service_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

// profileFields are the profile dimensions with their hand-written SQL.
var profileFields = []struct{ field, sql string }{
	{"customers.segment", "c.segment"},
	{"branches.region", "b.region"},
	{"customers.age_band", "CASE WHEN c.birth_date > DATE '1995-01-01' THEN 'under 30' WHEN c.birth_date > DATE '1975-01-01' THEN '30-49' ELSE '50+' END"},
}

// TestOracleProfile checks profiles (counts, shares, index) against
// hand-written SQL for a spread of audiences.
func TestOracleProfile(t *testing.T) {
	w, s := bankService(t)
	ctx := context.Background()
	var fields []string
	for _, f := range profileFields {
		fields = append(fields, f.field)
	}
	for _, i := range []int{0, 3, 7, 10, 12, 17, 18, 21, 23} {
		c := cases()[i]
		t.Run(c.expr, func(t *testing.T) {
			res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr, Profile: fields})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Profile) != len(profileFields) {
				t.Fatalf("%d profile dimensions; want %d", len(res.Profile), len(profileFields))
			}
			for k, f := range profileFields {
				q := "SELECT CAST(" + f.sql + " AS VARCHAR) AS v, COUNT(*) FILTER (WHERE " + c.sql + "), COUNT(*) " + handFrom + " GROUP BY 1"
				want, err := w.Engine.Query(ctx, q)
				if err != nil {
					t.Fatalf("hand-written SQL: %v\n%s", err, q)
				}
				got := map[string]service.ProfileValue{}
				for _, v := range res.Profile[k].Values {
					key := "NULL"
					if v.Value != nil {
						key = *v.Value
					}
					got[key] = v
				}
				if len(got) != len(want.Rows) {
					t.Errorf("%s: %d values; hand-written %d", f.field, len(got), len(want.Rows))
				}
				for _, r := range want.Rows {
					key := "NULL"
					if r[0] != nil {
						key = r[0].(string)
					}
					g, ok := got[key]
					inAud, inPop := uint64(r[1].(int64)), uint64(r[2].(int64))
					if !ok || g.Count != inAud || g.PopulationCount != inPop {
						t.Errorf("%s = %s: %d of %d; hand-written %d of %d", f.field, key, g.Count, g.PopulationCount, inAud, inPop)
						continue
					}
					share := ratio(inAud, res.Size)
					popShare := ratio(inPop, res.Population)
					if !near(g.Share, share) || !near(g.PopulationShare, popShare) || (popShare > 0 && !near(g.Index, share/popShare)) {
						t.Errorf("%s = %s: share %v pop %v index %v; want %v %v %v", f.field, key, g.Share, g.PopulationShare, g.Index, share, popShare, share/popShare)
					}
				}
			}
		})
	}
}

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// tagSQL is each tag's (or tag value's) hand-written membership.
func tagSQL() map[string]string {
	m := map[string]string{
		"high_value": leaves["HV"], "mobile_active_30d": leaves["MOBILE"], "north": leaves["NORTH"],
		"young": leaves["YOUNG"], "big_spender": leaves["BIG"], "busy_90d": leaves["BUSY"], "quiet_90d": leaves["QUIET"], "no_txn_30d": leaves["NOTXN"], "stale_tag": "COALESCE(c.aum < 1000, FALSE)",
	}
	for _, v := range []string{"mass", "affluent", "private", "staff"} {
		m["segment="+v] = seg(v)
	}
	for _, v := range []string{"low", "medium", "high"} {
		m["risk="+v] = risk(v)
	}
	for _, v := range []string{"F", "M"} {
		m["gender="+v] = sex(v)
	}
	return m
}

// TestOracleSaturationAndOverlap checks tag saturation and overlaps against
// hand-written SQL.
func TestOracleSaturationAndOverlap(t *testing.T) {
	w, s := bankService(t)
	ctx := context.Background()
	count := func(cond string) uint64 {
		res, err := w.Engine.Query(ctx, "SELECT COUNT(*) "+handFrom+" WHERE "+cond)
		if err != nil {
			t.Fatalf("hand-written SQL: %v\n%s", err, cond)
		}
		return uint64(res.Rows[0][0].(int64))
	}
	tags := tagSQL()
	all := cases()
	for _, i := range []int{0, 4, 9, 11, 20, 26} {
		c := all[i]
		o1, o2, o3 := all[(i+1)%len(all)], all[(i+7)%len(all)], all[(i+13)%len(all)]
		res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr, Tags: true, Overlap: map[string]string{"a": o1.expr, "b": o2.expr, "c": o3.expr}})
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		seen := 0
		for _, sat := range res.Saturation {
			key := sat.Tag
			if sat.Value != nil {
				key += "=" + *sat.Value
			}
			cond, ok := tags[key]
			if !ok {
				t.Errorf("%s: saturation of unexpected tag %s", c.expr, key)
				continue
			}
			seen++
			if want := count("(" + c.sql + ") AND " + cond); sat.Count != want || !near(sat.Share, ratio(want, res.Size)) {
				t.Errorf("%s: saturation %s = %d (%v); hand-written %d", c.expr, key, sat.Count, sat.Share, want)
			}
		}
		if seen != len(tags) {
			t.Errorf("%s: saturation covers %d tags and values; want %d", c.expr, seen, len(tags))
		}
		for k, o := range []audienceCase{o1, o2, o3} {
			got := res.Overlap[k]
			if want := count("(" + c.sql + ") AND (" + o.sql + ")"); got.Both != want || got.Size != count(o.sql) {
				t.Errorf("%s ∩ %s: %d (other %d); hand-written %d (other %d)", c.expr, o.expr, got.Both, got.Size, want, count(o.sql))
			}
		}
	}
}

// TestTagVersions checks that answers name the tag versions they read, that
// a behaviour tag's as_of is its fact's watermark, and that a tag beyond its
// freshness SLA is reported stale in the answer rather than hidden.
func TestTagVersions(t *testing.T) {
	w, s := bankService(t)
	ctx := context.Background()
	time.Sleep(1100 * time.Millisecond) // past stale_tag's 1s freshness SLA
	res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: "mobile_active_30d OR stale_tag OR high_value"})
	if err != nil {
		t.Fatal(err)
	}
	wm, err := w.Engine.Query(ctx, "SELECT CAST(MAX("+localTxnTime+") AS VARCHAR) FROM transactions t")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]service.TagUse{}
	for _, u := range res.Tags {
		byName[u.Name] = u
	}
	if len(byName) != 3 {
		t.Fatalf("tags used %v; want three", res.Tags)
	}
	if got := byName["mobile_active_30d"].AsOf; got != wm.Rows[0][0].(string) {
		t.Errorf("mobile_active_30d as_of %q; want the watermark %q", got, wm.Rows[0][0])
	}
	if u := byName["stale_tag"]; !u.Stale || !strings.Contains(u.Reason, "beyond its freshness SLA of 1s") {
		t.Errorf("stale_tag: %+v; want stale beyond its SLA", u)
	}
	if byName["high_value"].Stale {
		t.Errorf("high_value is reported stale: %+v", byName["high_value"])
	}
	if len(res.Stale) != 1 || res.Stale[0].Name != "stale_tag" {
		t.Errorf("stale list %v; want stale_tag alone", res.Stale)
	}
	// A metric query over the audience reports the same versions.
	qr, err := w.Query(ctx, &plan.Query{Metrics: []string{"txn_count"}, Audience: "mobile_active_30d OR stale_tag OR high_value"})
	if err != nil {
		t.Fatal(err)
	}
	if len(qr.Meta.Tags) != 3 || qr.Meta.Tags[2].Name != "stale_tag" || !qr.Meta.Tags[2].Stale || qr.Meta.Tags[1].AsOf != byName["mobile_active_30d"].AsOf || qr.Meta.Tags[0].Stale {
		t.Errorf("the metric query's tags %+v; the audience's %+v", qr.Meta.Tags, res.Tags)
	}
}

// TestRequestErrors checks the service's own errors: fields named, offsets kept.
func TestRequestErrors(t *testing.T) {
	_, s := bankService(t)
	ctx := context.Background()
	cases := []struct {
		req   service.AudienceRequest
		field string
		code  string
		msg   string
	}{
		{service.AudienceRequest{Expr: "high_valu"}, "expr", "unknown-tag", `did you mean "high_value"?`},
		{service.AudienceRequest{Expr: "high_value", Overlap: map[string]string{"x": "segment = 'mass' AND nort"}}, "overlap.x", "unknown-tag", `did you mean "north"?`},
		{service.AudienceRequest{Expr: "high_value", Profile: []string{"customers.segmnt"}}, "profile[0]", "unknown-field", `did you mean "customers.segment"?`},
		{service.AudienceRequest{Expr: "high_value", Profile: []string{"transactions.status"}}, "profile[0]", "unknown-field", "cannot be reached from entity \"customers\""},
	}
	for _, c := range cases {
		_, err := s.Evaluate(ctx, &c.req)
		e, ok := err.(*service.AudienceError)
		if !ok {
			t.Errorf("%+v: error %v; want an audience error", c.req, err)
			continue
		}
		if e.Field != c.field || e.Code != c.code || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%+v: %s %s %q; want %s %s containing %q", c.req, e.Field, e.Code, e.Msg, c.field, c.code, c.msg)
		}
	}
	if _, err := service.DecodeAudienceRequest([]byte(`{"expr": "x", "profiles": []}`)); err == nil || !strings.Contains(err.Error(), `did you mean "profile"?`) {
		t.Errorf("unknown JSON field: %v", err)
	}
}
