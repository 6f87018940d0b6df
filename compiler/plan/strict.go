package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// queryKeys are the JSON keys of a Query, exactly as spelt in its tags.
var queryKeys = func() []string {
	var keys []string
	t := reflect.TypeOf(Query{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}()

// checkKeys reads the top-level keys of a query object and rejects what
// encoding/json lets through: a key that matches a field only when case is
// ignored ("Metrics"), and a key given twice (the last would silently win).
// Anything that is not an object is left to the decoder, which words it.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, ok := t.(string)
		if !ok {
			return nil
		}
		if seen[key] && contains(queryKeys, key) {
			return &Error{Field: key, Code: "duplicate-key", Msg: fmt.Sprintf("field %q appears twice in the query; give it once", key)}
		}
		seen[key] = true
		if !contains(queryKeys, key) {
			for _, k := range queryKeys {
				if strings.EqualFold(k, key) {
					return &Error{Field: key, Code: "unknown-field", Msg: fmt.Sprintf("unknown field %q; field names are lower case: %q", key, k)}
				}
			}
			// Unknown outright: the decoder reports it with a suggestion.
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
