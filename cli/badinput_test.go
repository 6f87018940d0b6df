package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputsCLI runs hostile and malformed command lines in-process and
// checks the exit code (1: the input is wrong, 2: the command line is), what
// the message says, the diagnostic codes where the CLI prints them (validate
// --format json), and that no stack, panic or Go source position leaks.
func TestBadInputsCLI(t *testing.T) {
	dir := bankProject(t)
	qfile := func(body string) string {
		p := filepath.Join(t.TempDir(), "q.json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	errs := "../model/testdata/errors/"
	cases := []struct {
		name  string
		args  []string
		code  int
		says  string
		codes []string // diagnostic codes in validate's JSON
	}{
		{"merge cycle", []string{"validate", "--project", errs + "yaml-merge-cycle", "--format", "json"}, 1, "", []string{"yaml-alias"}},
		{"alias bomb", []string{"validate", "--project", errs + "yaml-alias-bomb", "--format", "json"}, 1, "", []string{"yaml-alias"}},
		{"errors across stages", []string{"validate", "--project", errs + "across-stages", "--format", "json"}, 1, "", []string{"unknown-field", "unknown-metric", "unknown-field"}},
		{"several errors", []string{"validate", "--project", errs + "several-errors", "--format", "json"}, 1, "", []string{"bad-value", "unknown-key", "unknown-table", "metric-shape"}},
		{"no project", []string{"validate", "--project", t.TempDir()}, 1, "strata init", nil},
		{"unknown metric", []string{"query", "--project", dir, "-m", "txn_amout"}, 1, `did you mean "txn_amount"`, nil},
		{"stacked statement", []string{"query", "--project", dir, "-m", "txn_amount", "--where", "1; DROP TABLE transactions"}, 1, "only one expression", nil},
		{"subquery", []string{"query", "--project", dir, "-m", "txn_amount", "--where", "channels.name IN (SELECT name FROM channels)"}, 1, "subquer", nil},
		{"injection in order", []string{"query", "--project", dir, "-m", "txn_amount", "--order", "txn_amount; DROP TABLE x"}, 1, "order", nil},
		{"unknown grain", []string{"query", "--project", dir, "-m", "txn_amount", "-d", "transactions.txn_time.fortnight"}, 1, "not a grain", nil},
		{"negative limit", []string{"query", "--project", dir, "-m", "txn_amount", "--limit", "-1"}, 1, "limit must be", nil},
		{"freshness overflow", []string{"query", "--project", dir, "-m", "txn_amount", "--freshness", "99999999999 years"}, 1, "longer than a duration", nil},
		{"no metrics", []string{"query", "--project", dir}, 2, "give metrics", nil},
		{"limit not a number", []string{"query", "--project", dir, "-m", "txn_amount", "--limit", "ten"}, 2, "invalid argument", nil},
		{"JSON key in the wrong case", []string{"query", "--project", dir, "-f", qfile(`{"Metrics":["txn_amount"]}`)}, 1, "lower case", nil},
		{"JSON key twice", []string{"query", "--project", dir, "-f", qfile(`{"metrics":["txn_amount"],"metrics":["txn_count"]}`)}, 1, "appears twice", nil},
		{"malformed JSON", []string{"query", "--project", dir, "-f", qfile(`{"metrics":["txn_amount"]`)}, 1, "malformed JSON", nil},
		{"max rows negative", []string{"serve", "--project", dir, "--max-rows", "-1"}, 2, "--max-rows must be", nil},
		{"max rows too large", []string{"serve", "--project", dir, "--max-rows", "5000000"}, 2, "--max-rows must be", nil},
		{"zero timeout", []string{"serve", "--project", dir, "--timeout", "0"}, 2, "--timeout must be", nil},
		{"no concurrency", []string{"serve", "--project", dir, "--max-concurrent", "0"}, 2, "--max-concurrent must be", nil},
		{"negative shutdown timeout", []string{"serve", "--project", dir, "--shutdown-timeout", "-1s"}, 2, "--shutdown-timeout must be", nil},
		{"zero read timeout", []string{"serve", "--project", dir, "--read-timeout", "0s"}, 2, "--read-timeout must be", nil},
		{"zero body", []string{"serve", "--project", dir, "--max-body", "0"}, 2, "--max-body must be", nil},
		{"duration not a duration", []string{"serve", "--project", dir, "--timeout", "soon"}, 2, "invalid argument", nil},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command", nil},
		{"bad format", []string{"validate", "--project", dir, "--format", "yaml"}, 2, "--format", nil},
		{"init over a project", []string{"init", dir}, 1, "already exists", nil},
		{"refresh of an unknown rollup", []string{"refresh", "--project", dir, "nope"}, 1, "unknown rollup", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(c.args...)
			all := out + stderr
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, all)
			}
			if c.says != "" && !strings.Contains(all, c.says) {
				t.Errorf("output lacks %q:\n%s", c.says, all)
			}
			for _, bad := range []string{"goroutine ", "panic", ".go:", "runtime error"} {
				if strings.Contains(all, bad) {
					t.Errorf("output leaks %q:\n%s", bad, all)
				}
			}
			if c.codes != nil {
				var v struct {
					Diagnostics []struct{ Code string }
				}
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("validate JSON: %v\n%s", err, out)
				}
				got := map[string]int{}
				for _, d := range v.Diagnostics {
					got[d.Code]++
				}
				want := map[string]int{}
				for _, code := range c.codes {
					want[code]++
				}
				for code, n := range want {
					if got[code] < n {
						t.Errorf("want %d %s diagnostics, got %v", n, code, got)
					}
				}
			}
		})
	}
}

// TestCorruptSourceCLI: with one source corrupt, status still answers and
// names it, other facts answer, and a query of the broken table fails with a
// message naming the table and its source.
func TestCorruptSourceCLI(t *testing.T) {
	dir := t.TempDir()
	src := bankProject(t)
	if err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.Contains(p, ".strata") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "app_events.parquet"), []byte("corrupt"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run("status", "--project", dir)
	if code != 0 || !strings.Contains(out, "source problem: table app_events: source data/app_events.parquet is unreadable") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs = run("query", "--project", dir, "-m", "txn_count"); code != 0 {
		t.Fatalf("a healthy fact: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run("query", "--project", dir, "-m", "app_users")
	if code != 1 || !strings.Contains(errs, "table app_events: source data/app_events.parquet is unreadable") {
		t.Fatalf("the broken fact: exit %d\n%s%s", code, out, errs)
	}
}
