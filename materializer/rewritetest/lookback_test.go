package rewritetest

import (
	"sort"
	"testing"
	"time"
)

// refresh.lookback counts back from the source's watermark, not from the
// wall clock: the bank's data ends long before today, yet a refresh with no
// file changed re-covers txn_daily's newest partition (lookback 2 days,
// partition month) and leaves every older one as built.
func TestLookbackCountsFromTheWatermark(t *testing.T) {
	lb := newLakeBank(t, "lookback")
	before := lb.partitions("txn_daily")
	var keys []string
	for k := range before {
		if k != "null" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) < 12 {
		t.Fatalf("txn_daily has %d partitions", len(keys))
	}
	newest := keys[len(keys)-1]
	// The held-back data ends 9 days before the newest row; the two days
	// before the watermark reach one month back only when the cut falls in
	// a month's first two days.
	wm, err := time.Parse(time.DateOnly, before[newest].Watermark[:10])
	if err != nil {
		t.Fatalf("watermark of %s: %v", newest, err)
	}
	covered := map[string]bool{newest: true}
	covered[wm.AddDate(0, 0, -2).Format("2006-01")+"-01"] = true

	lb.refresh("txn_daily")
	after := lb.partitions("txn_daily")
	if before[newest].BuiltAt.Equal(after[newest].BuiltAt) {
		t.Errorf("the newest partition %s (watermark %s) was not rebuilt by the lookback", newest, before[newest].Watermark)
	}
	for _, k := range keys {
		if !covered[k] && !before[k].BuiltAt.Equal(after[k].BuiltAt) {
			t.Errorf("partition %s is outside the lookback of the watermark %s and was rebuilt", k, before[newest].Watermark)
		}
	}
	if got := lb.servedBy(allHistory); got != "txn_daily" {
		t.Fatalf("after the refresh: served by %s", got)
	}
}
