package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/cli"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
)

var (
	projectOnce sync.Once
	projectDir  string
	projectErr  error
)

// bankProject copies the example model into a temporary project with a small
// generated data set; the copy keeps the warehouse file out of the repository.
func bankProject(t *testing.T) string {
	t.Helper()
	projectOnce.Do(func() {
		dir, err := os.MkdirTemp("", "strata-cli-*")
		if err != nil {
			projectErr = err
			return
		}
		projectDir = dir
		if projectErr = banktest.CopyModel(dir); projectErr != nil {
			return
		}
		_, projectErr = bankgen.Generate(context.Background(), filepath.Join(dir, "data"), bankgen.Options{Transactions: 5000, Seed: 7})
	})
	if projectErr != nil {
		t.Fatal(projectErr)
	}
	return projectDir
}

func TestMain(m *testing.M) {
	if args := os.Getenv(killHelperEnv); args != "" {
		os.Exit(cli.Main(strings.Split(args, "\x1f"), strings.NewReader(""), os.Stdout, os.Stderr))
	}
	code := m.Run()
	if projectDir != "" {
		os.RemoveAll(projectDir)
	}
	os.Exit(code)
}

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateExample(t *testing.T) {
	code, out, errs := run("validate", "--project", "../examples/bank")
	if code != 0 || !strings.HasPrefix(out, "ok: retail_bank") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}

func TestValidateJSONInvalid(t *testing.T) {
	code, out, _ := run("validate", "--project", "../model/testdata/errors/several-errors", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var v struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Pos     struct{ File string }
			Code    string
			Message string
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if v.Valid || len(v.Diagnostics) < 2 || v.Diagnostics[0].Code == "" || v.Diagnostics[0].Pos.File == "" {
		t.Fatalf("unexpected report: %+v", v)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--format", "xml", "--project", "../examples/bank"},
		{"nosuchcommand"},
		{"query", "--project", "../examples/bank"},
		{"validate", "--no-such-flag"},
	} {
		if code, _, _ := run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestDescribeJSON(t *testing.T) {
	code, out, errs := run("describe", "--project", "../examples/bank", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		Wide []struct {
			Fact   string
			Tables []struct {
				Alias  string
				Path   []string `json:"join_path"`
				Fields []struct{ Name, Type string }
			}
		} `json:"wide_tables"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	facts := map[string]bool{}
	for _, w := range v.Wide {
		facts[w.Fact] = true
		for _, tb := range w.Tables {
			if len(tb.Fields) == 0 {
				t.Errorf("%s.%s has no fields", w.Fact, tb.Alias)
			}
			if tb.Alias == "branches" && len(tb.Path) != 2 {
				t.Errorf("%s: branches path %v, want two joins", w.Fact, tb.Path)
			}
		}
	}
	if !facts["transactions"] || !facts["balances"] || !facts["app_events"] || len(v.Wide) != 3 {
		t.Fatalf("wide tables: %v", facts)
	}
}

func TestQueryJSONShape(t *testing.T) {
	dir := bankProject(t)
	code, out, errs := run("query", "--project", dir, "-m", "txn_amount,active_customers", "-d", "customers.segment", "--order", "-txn_amount", "--format", "json", "--no-rollup")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		Columns []struct{ Name, Type, Label, Format string }
		Rows    [][]any
		Meta    struct {
			ServedBy string  `json:"served_by"`
			SQL      string  `json:"sql"`
			TookMS   float64 `json:"took_ms"`
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Columns) != 3 || v.Columns[0].Name != "customers.segment" || v.Columns[1].Format != "currency" {
		t.Fatalf("columns: %+v", v.Columns)
	}
	if len(v.Rows) != 5 || v.Meta.ServedBy != "raw" || !strings.Contains(v.Meta.SQL, "SELECT") {
		t.Fatalf("rows %d, meta %+v", len(v.Rows), v.Meta)
	}
	for i := 1; i < len(v.Rows); i++ {
		if v.Rows[i][1].(float64) > v.Rows[i-1][1].(float64) {
			t.Fatalf("rows not ordered by -txn_amount: %v", v.Rows)
		}
	}
}

// TestQueryValues: -d without -m lists the dimensions' values, from the
// fact --from names when several reach them.
func TestQueryValues(t *testing.T) {
	dir := bankProject(t)
	code, out, errs := run("query", "--project", dir, "-d", "channels.name", "--format", "csv", "--no-rollup")
	if code != 0 || out != "channels.name\natm\nbranch\nmobile\npos\nweb\n" {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	code, out, errs = run("query", "--project", dir, "-d", "customers.segment", "--from", "balances", "--where", "customers.segment <> 'mass'", "--order", "-customers.segment", "--format", "csv")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || lines[0] != "customers.segment" || len(lines) < 2 {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	for i, v := range lines[1:] {
		if v == "mass" || v == "" || (i > 0 && v >= lines[i]) {
			t.Errorf("values not distinct, filtered and descending: %q", out)
		}
	}
}

func TestRefreshThenServedByRollup(t *testing.T) {
	dir := bankProject(t)
	if code, out, errs := run("refresh", "--project", dir, "txn_daily"); code != 0 || !strings.Contains(out, "txn_daily") {
		t.Fatalf("refresh exit %d: %s %s", code, out, errs)
	}
	code, out, errs := run("query", "--project", dir, "-m", "txn_count", "-d", "channels.name", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "channels.name,txn_count" || len(lines) != 6 {
		t.Fatalf("csv:\n%s", out)
	}
	code, out, _ = run("explain", "--project", dir, "-m", "txn_count", "-d", "channels.name", "--format", "json")
	var x struct {
		ServedBy string `json:"served_by"`
		Rollups  []struct {
			Rollup string
			Used   bool
			Reason string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &x) != nil || x.ServedBy != "txn_daily" {
		t.Fatalf("explain exit %d: %s", code, out)
	}
	reasons := map[string]string{}
	for _, r := range x.Rollups {
		reasons[r.Rollup] = r.Reason
	}
	if !strings.Contains(reasons["txn_monthly_segment"], "not built yet") {
		t.Errorf("txn_monthly_segment reason: %q", reasons["txn_monthly_segment"])
	}
	code, out, _ = run("status", "--project", dir, "--format", "json")
	if code != 0 || !strings.Contains(out, `"state": "fresh"`) || !strings.Contains(out, `"state": "never built"`) {
		t.Fatalf("status exit %d:\n%s", code, out)
	}
}

// Bad queries fail with exit code 1 and a message that points at the problem;
// nothing reaches the engine.
func TestQueryErrors(t *testing.T) {
	dir := bankProject(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-m", "txn_amout"}, `did you mean "txn_amount"`},
		{[]string{"-m", "txn_amount", "-d", "customers.segmnt"}, `did you mean "customers.segment"`},
		{[]string{"-m", "txn_amount", "-d", "name"}, "ambiguous"},
		{[]string{"-m", "txn_amount", "--where", "1; DROP TABLE transactions"}, "only one expression"},
		{[]string{"-m", "txn_amount", "--where", "customers.segment IN (SELECT segment FROM customers)"}, "subqueries are not allowed"},
		{[]string{"-m", "txn_amount", "--where", "customers.segment = 'x' /* hi */"}, "comments are not allowed"},
		{[]string{"-m", "txn_amount", "--where", "sleep(1) = 0"}, "sleep() is not allowed"},
		{[]string{"-m", "txn_amount", "--where", "SUM(transactions.amount) > 0"}, "aggregate"},
		{[]string{"-m", "txn_amount", "--where", "txn_amount > 0"}, "filter metrics in having"},
		{[]string{"-m", "txn_amount", "--having", "customers.segment = 'x'"}, "filter fields in where"},
		{[]string{"-m", "txn_amount", "--limit", "100000000"}, "limit must be between"},
		{[]string{"-m", "txn_amount,total_balance", "-d", "channels.name"}, `cannot be reached from fact "balances"`},
		{[]string{"-m", "txn_amount_mom"}, "add a time dimension"},
		{[]string{"-d", "customers.segment"}, `name the fact in from, e.g. "from": "transactions"`},
		{[]string{"-d", "customers.segment", "--from", "balance"}, `did you mean "balances"`},
		{[]string{"-m", "txn_amount", "--from", "transactions"}, "leave from out"},
	}
	for _, c := range cases {
		args := append([]string{"query", "--project", dir}, c.args...)
		code, out, errs := run(args...)
		if code != 1 || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 1 mentioning %q", c.args, code, errs, out, c.want)
		}
	}
}

func TestCompilePrintsSQLOnly(t *testing.T) {
	code, out, errs := run("compile", "--project", "../examples/bank", "-m", "txn_amount", "-d", "transactions.txn_time.week")
	if code != 0 || !strings.Contains(out, "date_trunc('week'") || !strings.Contains(out, "AT TIME ZONE 'Asia/Shanghai'") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

func TestVersion(t *testing.T) {
	if code, out, _ := run("version"); code != 0 || !strings.HasPrefix(out, "strata ") {
		t.Fatalf("exit %d: %q", code, out)
	}
}
