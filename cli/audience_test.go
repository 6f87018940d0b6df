package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAudienceCommands builds the tags with refresh, then sizes, profiles
// and exports one audience, checking the commands agree with each other.
func TestAudienceCommands(t *testing.T) {
	dir := bankProject(t)
	code, out, errs := run("refresh", "--project", dir, "high_value", "segment", "risk", "mobile_active_30d")
	if code != 0 || !strings.Contains(out, "tag high_value") || !strings.Contains(out, "tag population:customers") {
		t.Fatalf("refresh tags exit %d:\n%s%s", code, out, errs)
	}
	expr := "high_value OR NOT segment = 'mass'"
	code, out, errs = run("audience", "size", "--project", dir, "--format", "json", "--overlap", "hv=high_value", expr)
	if code != 0 {
		t.Fatalf("size exit %d: %s", code, errs)
	}
	var res struct {
		Size    uint64 `json:"size"`
		Overlap []struct {
			Both uint64 `json:"both"`
		} `json:"overlap"`
		Tags []struct{ Name, AsOf string } `json:"tags"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Size == 0 || len(res.Overlap) != 1 || res.Overlap[0].Both == 0 || len(res.Tags) != 2 {
		t.Fatalf("size answer %s", out)
	}
	code, out, errs = run("audience", "profile", "--project", dir, "-d", "customers.segment,branches.region", expr)
	if code != 0 || !strings.Contains(out, "branches.region") || !strings.Contains(out, "index") || !strings.Contains(out, "high_value") {
		t.Fatalf("profile exit %d:\n%s%s", code, out, errs)
	}
	code, out, _ = run("audience", "profile", "--project", dir, "--format", "csv", "-d", "customers.segment", expr)
	if code != 0 || !strings.HasPrefix(out, "section,name,value,count,share,population_count,population_share,index\nsize,customers,,"+strconv.FormatUint(res.Size, 10)+",") {
		t.Fatalf("profile csv exit %d:\n%s", code, out)
	}
	code, out, _ = run("audience", "export", "--project", dir, expr)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || lines[0] != "customer_id" || uint64(len(lines)-1) != res.Size {
		t.Fatalf("export exit %d: %d lines for %d members", code, len(lines), res.Size)
	}
	pq := filepath.Join(t.TempDir(), "a.parquet")
	if code, _, errs = run("audience", "export", "--project", dir, "--format", "parquet", "-O", pq, expr); code != 0 {
		t.Fatalf("parquet export exit %d: %s", code, errs)
	}
	if b, err := os.ReadFile(pq); err != nil || len(b) < 8 || string(b[:4]) != "PAR1" {
		t.Fatalf("parquet file: %v, %d bytes", err, len(b))
	}
	code, _, errs = run("audience", "size", "--project", dir, "high_value AND segmnt = 'x'")
	if code != 1 || !strings.Contains(errs, `expr:16: unknown tag "segmnt"; did you mean "segment"?`) || !strings.Contains(errs, "\n  "+strings.Repeat(" ", 15)+"^") {
		t.Fatalf("bad tag exit %d:\n%s", code, errs)
	}
	// A value no customer holds: the exact size (0), with a warning on
	// standard error naming the tag's values and a suggestion.
	const warning = `strata: warning: tag risk has no value "hgh", so it selects no one; did you mean "high"? (its values: high, low, medium)`
	code, out, errs = run("audience", "size", "--project", dir, "--format", "csv", "risk = 'hgh'")
	if code != 0 || !strings.Contains(out, "size,customers,,0,") || !strings.Contains(errs, warning+"\n") {
		t.Fatalf("typo value exit %d:\n%s%s", code, out, errs)
	}
	code, out, errs = run("audience", "export", "--project", dir, "risk = 'hgh'")
	if code != 0 || strings.TrimSpace(out) != "customer_id" || !strings.Contains(errs, warning+"\n") {
		t.Fatalf("typo value export exit %d:\n%s%s", code, out, errs)
	}
	code, out, errs = run("query", "--project", dir, "-m", "txn_count", "--format", "csv", "--audience", "risk = 'hgh'")
	if code != 0 || !strings.Contains(errs, warning+"\n") {
		t.Fatalf("query by a typo audience exit %d:\n%s%s", code, out, errs)
	}
	if code, _, errs = run("audience", "size", "--project", dir, "risk = 'high'"); code != 0 || strings.Contains(errs, "warning") {
		t.Fatalf("known value exit %d: %s", code, errs)
	}
	code, out, errs = run("query", "--project", dir, "-m", "txn_count", "-d", "customers.segment", "--audience", "high_value", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "customers.segment,txn_count\n") {
		t.Fatalf("query --audience exit %d:\n%s%s", code, out, errs)
	}
}
