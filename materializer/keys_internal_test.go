package materializer

import "testing"

// The orphan sweep keeps a live version's key tables: keyTableOf maps a key
// table to its version's table and nothing else to anything.
func TestKeyTableOf(t *testing.T) {
	for name, want := range map[string]string{
		"_strata.r_txn_daily_00c6dbba_1796170536056270453_k0":  "_strata.r_txn_daily_00c6dbba_1796170536056270453",
		"_strata.r_txn_daily_00c6dbba_1796170536056270453_k12": "_strata.r_txn_daily_00c6dbba_1796170536056270453",
		"_strata.r_txn_daily_00c6dbba_1796170536056270453":     "",
		"_strata.r_x_k1_00c6dbba_1796170536056270453":          "",
		"_strata.r_x_00c6dbba_1796170536056270453_k":           "",
	} {
		if got := keyTableOf(name); got != want {
			t.Errorf("keyTableOf(%q) = %q, want %q", name, got, want)
		}
	}
}
