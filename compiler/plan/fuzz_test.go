package plan_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
)

// FuzzDecodeQuery feeds arbitrary bytes to the query decoder the DataAPI and
// the CLI use. It must not panic; a rejection must be a *plan.Error with a
// field and a code; an accepted query must survive a round trip through JSON
// unchanged (what was accepted is what was meant). Seeds: every golden query
// and the strictness cases.
//
//	go test ./compiler/plan -run '^$' -fuzz FuzzDecodeQuery -fuzztime 10s
func FuzzDecodeQuery(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "query.json"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"Metrics": ["a"]}`, `{"metrics": ["a"], "metrics": ["b"]}`, `{"metrics": "a"}`,
		`{"metrics": ["a"]} {}`, `[]`, `null`, `{"limit": 1e400}`, `{"metrics": ["\ud800"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := plan.DecodeQuery(data)
		if err != nil {
			var pe *plan.Error
			if !errors.As(err, &pe) || pe.Field == "" || pe.Code == "" || pe.Msg == "" {
				t.Fatalf("rejection is not a located plan.Error: %#v", err)
			}
			return
		}
		b, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		q2, err := plan.DecodeQuery(b)
		if err != nil {
			t.Fatalf("re-encoded query %s rejected: %v", b, err)
		}
		if !reflect.DeepEqual(normal(q), normal(q2)) {
			t.Fatalf("round trip changed the query:\n%#v\n%#v", q, q2)
		}
	})
}

// TestDecodeQueryStrict: keys match exactly, once each.
func TestDecodeQueryStrict(t *testing.T) {
	cases := []struct{ in, field, code string }{
		{`{"Metrics": ["a"]}`, "Metrics", "unknown-field"},
		{`{"metrics": ["a"], "LIMIT": 3}`, "LIMIT", "unknown-field"},
		{`{"metrics": ["a"], "metrics": ["b"]}`, "metrics", "duplicate-key"},
		{`{"metrics": ["a"], "where": "x", "where": "y"}`, "where", "duplicate-key"},
		{`{"metrics": ["a"], "metrix": 1}`, "query", "bad-json"},
		{`{"metrics": "a"}`, "metrics", "bad-json"},
		{`{"metrics": ["a"], "limit": "10"}`, "limit", "bad-json"},
		{`{"metrics": ["a"], "audiences": {"hv": 1}}`, "audiences", "bad-json"},
		{`{"metrics": ["a"`, "query", "bad-json"},
	}
	for _, c := range cases {
		_, err := plan.DecodeQuery([]byte(c.in))
		var pe *plan.Error
		if !errors.As(err, &pe) || pe.Field != c.field || pe.Code != c.code {
			t.Errorf("%s: got %v, want field %q code %q", c.in, err, c.field, c.code)
		}
	}
	if _, err := plan.DecodeQuery([]byte(`{"metrics": ["a"], "dimensions": ["b"], "no_rollup": true}`)); err != nil {
		t.Errorf("a valid query was rejected: %v", err)
	}
}

// normal drops the difference between an empty and an absent list, which
// omitempty erases and no query depends on.
func normal(q *plan.Query) plan.Query {
	c := *q
	for _, l := range []*[]string{&c.Metrics, &c.Dimensions, &c.Order} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return c
}
