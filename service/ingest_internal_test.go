package service

import "testing"

// topLevelKeys counts the keys as written, whatever the strings and nested
// values hold, so that a duplicate is never missed.
func TestTopLevelKeys(t *testing.T) {
	for in, want := range map[string]int{
		`{}`:                              0,
		`{"a": 1}`:                        1,
		`{"a": 1, "a": 2}`:                2,
		`{"a": "x:y", "b": "\":"}`:        2,
		`{"a": {"b": 1, "c": 2}}`:         1,
		`{"a": [1, {"b": 2}], "c": "\\"}`: 2,
		`{"a:b": "}", "c": "{"}`:          2,
	} {
		if got := topLevelKeys([]byte(in)); got != want {
			t.Errorf("%s: %d keys, want %d", in, got, want)
		}
	}
}
