package service_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// BenchmarkIngest appends 100,000 transactions as JSON lines to the bank
// per iteration: reading and checking every value, and writing the file.
// Run: go test ./service -run '^$' -bench Ingest -benchtime 3x
func BenchmarkIngest(b *testing.B) {
	dir := b.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 10_000, Seed: 5}); err != nil {
		b.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	const n = 100_000
	var body bytes.Buffer
	for i := range n {
		fmt.Fprintf(&body, `{"txn_id": %d, "account_id": %d, "customer_id": %d, "channel_id": %d, "amount": %d.%02d, "status": "posted", "merchant_category": "food", "txn_time": "2025-07-0%d %02d:%02d:00", "value_date": "2025-07-01"}`+"\n",
			900_000_000+i, i%5000, i%20000, 1+i%5, i%500, i%100, 1+i%5, i%24, i%60)
	}
	b.ResetTimer()
	for range b.N {
		res, err := w.Ingest(ctx, "transactions", service.IngestJSONLines, bytes.NewReader(body.Bytes()))
		if err != nil || res.Rows != n {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
