package materializer

import "testing"

func TestWithoutPaths(t *testing.T) {
	cases := map[string]string{
		"No magic bytes found at end of file '/srv/proj/data/a.parquet'":       "No magic bytes found at end of file 'data/a.parquet'",
		"IO Error: No files found that match the pattern \"/mnt/share/x.csv\"": "IO Error: No files found that match the pattern \"x.csv\"",
		"table t: source /etc/data/b.parquet is missing":                       "table t: source b.parquet is missing",
		"count(*) / 2 is fine": "count(*) / 2 is fine",
	}
	for in, want := range cases {
		if got := withoutPaths(in, "/srv/proj"); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}
