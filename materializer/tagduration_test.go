package materializer_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
)

// slowScans makes every streamed scan of the engine take at least delay, so
// that a batch's engine time is known to be at least that.
type slowScans struct {
	engine.Engine
	scanner interface {
		Each(ctx context.Context, q string, fn func(scan func(dest ...any) error) error) error
	}
	delay time.Duration
}

func (e *slowScans) Each(ctx context.Context, q string, fn func(scan func(dest ...any) error) error) error {
	time.Sleep(e.delay)
	return e.scanner.Each(ctx, q, fn)
}

// TestBatchedTagDurations: a tag computed in a batch reports the batch's
// whole engine time plus its own write, not a share of it — with every
// scan slowed by 300 ms, each tag took at least 300 ms to appear — and its
// result says how many builds the batch held (the entity scan: the
// population and every boolean and categorical tag). The state row, which
// `strata status` reads for TOOK / duration_ms, records the same duration
// as the refresh reports.
func TestBatchedTagDurations(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(testRoot, "tagduration")
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 2000, Customers: 300, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := w.Materializer()
	sc, ok := m.Engine.(interface {
		Each(ctx context.Context, q string, fn func(scan func(dest ...any) error) error) error
	})
	if !ok {
		t.Fatal("the DuckDB engine streams rows (Each)")
	}
	const delay = 300 * time.Millisecond
	inner := m.Engine
	m.Engine = &slowScans{Engine: inner, scanner: sc, delay: delay}
	res, err := m.RefreshTags(ctx, nil, nil)
	m.Engine = inner
	if err != nil {
		t.Fatal(err)
	}
	status, err := m.TagStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kind := map[string]string{"population:customers": "population"}
	took := map[string]float64{}
	for _, s := range status {
		kind[s.Name], took[s.Name] = s.Kind, s.DurationMS
	}
	scanned := 0
	for _, r := range res {
		if kind[r.Name] != "behaviour" {
			scanned++
		}
	}
	if scanned < 3 {
		t.Fatalf("the bank's customers have %d scanned builds; the test needs a batch", scanned)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
		if r.Duration < delay {
			t.Errorf("%s (%s, batch of %d) reports %v; its batch's scan alone took over %v", r.Name, kind[r.Name], r.Batch, r.Duration, delay)
		}
		switch k := kind[r.Name]; {
		case k != "behaviour" && r.Batch != scanned:
			t.Errorf("%s: batch of %d; the entity scan built %d", r.Name, r.Batch, scanned)
		case k == "behaviour" && r.Batch < 1:
			t.Errorf("%s: a behaviour tag built in its group reports batch %d", r.Name, r.Batch)
		}
		if ms, ok := took[r.Name]; ok && math.Abs(ms-float64(r.Duration.Microseconds())/1000) > 0.001 {
			t.Errorf("%s: status duration_ms %v, refresh reported %v", r.Name, ms, r.Duration)
		}
	}
}
