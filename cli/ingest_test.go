package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestCLI: strata ingest appends a file of JSON lines, the query
// counts the rows at once, a bad row is refused with its row and column;
// and the same while strata serve owns the warehouse, with the same output.
func TestIngestCLI(t *testing.T) {
	dir := copyProject(t, bankProject(t))
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	line := `{"txn_id": 990000001, "customer_id": 1, "channel_id": 1, "amount": 10.5, "status": "posted", "txn_time": "2025-03-01 10:00:00"}` + "\n"
	if err := os.WriteFile(rows, []byte(line+strings.Replace(line, "990000001", "990000002", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(line+`{"txn_id": 3, "amout": 1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func() string {
		t.Helper()
		code, out, errs := run("query", "--project", dir, "-m", "txn_count", "--where", "transactions.txn_id >= 990000001", "--format", "csv")
		if code != 0 {
			t.Fatalf("query: exit %d %s", code, errs)
		}
		return strings.TrimSpace(out)
	}
	if got := count(); got != "txn_count\n0" {
		t.Fatalf("before: %q", got)
	}
	local := [2][3]any{runAll("ingest", "--project", dir, "transactions", rows), runAll("ingest", "--project", dir, "transactions", bad)}
	if local[0][0] != 0 || !strings.HasPrefix(local[0][1].(string), "transactions: 2 rows appended · ") {
		t.Fatalf("ingest: %v", local[0])
	}
	if local[1][0] != 1 || !strings.Contains(local[1][2].(string), `row 2, amout: transactions has no column "amout"; did you mean "amount"?`) {
		t.Fatalf("a bad row: %v", local[1])
	}
	if got := count(); got != "txn_count\n2" {
		t.Fatalf("after: %q", got)
	}
	cmd, _, logs := startServe(t, dir)
	sameOutput(t, "ingest", local[0], runAll("ingest", "--project", dir, "transactions", rows))
	sameOutput(t, "ingest of a bad row", local[1], runAll("ingest", "--project", dir, "transactions", bad))
	if got := count(); got != "txn_count\n4" {
		t.Errorf("after the server's append: %q", got)
	}
	stopServe(t, cmd, logs)
	if !strings.Contains(logs.String(), "path=/v1/ingest/transactions ") {
		t.Errorf("the server's log shows no append:\n%s", logs.String())
	}
}
