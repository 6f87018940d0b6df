package service_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// TestDoctorOnMariaDB checks a healthy project, then breaks the server in
// each way doctor looks for and expects each problem with a fix.
func TestDoctorOnMariaDB(t *testing.T) {
	srv := enginetest.StartMariaDB(t)
	_, m := bankOnMariaDB(t, srv)
	ctx := context.Background()
	for _, c := range service.Doctor(ctx, m.Catalog) {
		if !c.OK {
			t.Errorf("healthy project: %s: %s (fix: %s)", c.Name, c.Detail, c.Fix)
		}
	}

	root, err := mysql.Open(ctx, mysql.Config{DSN: srv.DSN})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, s := range []string{
		"ALTER TABLE ods.channels DROP COLUMN kind",
		"ALTER TABLE ods.products MODIFY product_id BIGINT",
		"DROP TABLE ods.calendar",
		"DELETE FROM mysql.time_zone_name WHERE Name = 'America/Sao_Paulo'",
		"CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'r3ader-secret'",
		"GRANT SELECT ON ods.* TO 'reader'@'127.0.0.1'",
		"GRANT SELECT ON test.* TO 'reader'@'127.0.0.1'",
	} {
		if err := root.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	dir := m.Project.Dir
	settings := filepath.Join(dir, "strata.yaml")
	b, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "timezone: Asia/Shanghai", "timezone: America/Sao_Paulo", 1))
	if err := os.WriteFile(settings, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STRATA_TEST_BANK_DSN", strings.Replace(srv.DSN, "root@", "reader:r3ader-secret@", 1))
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	checks := service.Doctor(ctx, cat)
	for _, c := range checks {
		t.Logf("ok=%v %s: %s | %s", c.OK, c.Name, c.Detail, c.Fix)
	}
	want := map[string]string{
		"privileges":                  "GRANT",
		"source channels":             "no column kind",
		"source products":             "column product_id is bigint, declared integer",
		"source calendar":             "ods.calendar",
		"time zone America/Sao_Paulo": "time zone tables are not loaded",
	}
	seen := map[string]bool{}
	for _, c := range checks {
		if strings.Contains(c.Detail+c.Fix, "r3ader-secret") {
			t.Errorf("%s shows the password: %s", c.Name, c.Detail)
		}
		substr, expected := want[c.Name]
		if !expected {
			if !c.OK {
				t.Errorf("unexpected problem %s: %s", c.Name, c.Detail)
			}
			continue
		}
		seen[c.Name] = true
		if c.OK {
			t.Errorf("%s passed; want a problem", c.Name)
			continue
		}
		if c.Fix == "" {
			t.Errorf("%s: no fix given for %q", c.Name, c.Detail)
		}
		if !strings.Contains(c.Detail+" "+c.Fix, substr) {
			t.Errorf("%s: %q (fix %q) does not mention %q", c.Name, c.Detail, c.Fix, substr)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no check %s", name)
		}
	}
}
