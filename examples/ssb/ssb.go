// Package ssb is the Star Schema Benchmark as a Strata project: the model
// (strata.yaml, models/), the 13 SSB queries as Strata metric queries and as
// hand-written star-join SQL (queries/qN.M.json, queries/qN.M.sql), the data
// generator (generate/) and the benchmark (bench/).
//
// This package holds what the test and the benchmark share: loading the
// queries, copying the project next to its data, and comparing answers cell
// by cell.
package ssb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
)

// Query is one SSB query in both forms.
type Query struct {
	Name     string      // "q1.1"
	Metric   *plan.Query // the Strata metric query
	SQL      string      // the hand-written SQL, without its trailing semicolon
	JSONPath string      // the metric query's file
	SQLPath  string
}

var queryName = regexp.MustCompile(`^q(\d+)\.(\d+)\.json$`)

// LoadQueries reads every queries/qN.M.json with its qN.M.sql from the
// project directory, in N.M order.
func LoadQueries(projectDir string) ([]Query, error) {
	dir := filepath.Join(projectDir, "queries")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type key struct{ a, b int }
	var out []Query
	keys := map[string]key{}
	for _, e := range entries {
		m := queryName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		name := strings.TrimSuffix(e.Name(), ".json")
		jp := filepath.Join(dir, e.Name())
		sp := filepath.Join(dir, name+".sql")
		data, err := os.ReadFile(jp)
		if err != nil {
			return nil, err
		}
		q, err := plan.DecodeQuery(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", jp, err)
		}
		sqlText, err := os.ReadFile(sp)
		if err != nil {
			return nil, err
		}
		keys[name] = key{a, b}
		out = append(out, Query{Name: name, Metric: q, SQL: trimSQL(string(sqlText)), JSONPath: jp, SQLPath: sp})
	}
	sort.Slice(out, func(i, j int) bool {
		ki, kj := keys[out[i].Name], keys[out[j].Name]
		return ki.a < kj.a || ki.a == kj.a && ki.b < kj.b
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("no queries/q*.json in %s", projectDir)
	}
	return out, nil
}

// trimSQL drops whole-line comments and the trailing semicolon.
func trimSQL(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		lines = append(lines, l)
	}
	s = strings.TrimSpace(strings.Join(lines, "\n"))
	return strings.TrimSpace(strings.TrimSuffix(s, ";"))
}

// CopyProject copies the project's strata.yaml, models/ and queries/ from src
// to dst (created if needed), so that the copy can sit next to its own data/
// and its own warehouse file. threads > 0 sets engine.threads in the copy.
// Files already in dst are overwritten; data/ is left alone.
func CopyProject(src, dst string, threads int) error {
	settings, err := os.ReadFile(filepath.Join(src, "strata.yaml"))
	if err != nil {
		return err
	}
	if threads > 0 {
		settings, err = setThreads(settings, threads)
		if err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "strata.yaml"), settings, 0o644); err != nil {
		return err
	}
	for _, sub := range []string{"models", "queries"} {
		// Files removed from the source must not linger in the copy.
		if err := os.RemoveAll(filepath.Join(dst, sub)); err != nil {
			return err
		}
		err := filepath.WalkDir(filepath.Join(src, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(src, path)
			if err != nil {
				return err
			}
			target := filepath.Join(dst, rel)
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// setThreads adds `threads: n` to the engine block of strata.yaml (which must
// be a block mapping with `type:` in it, as in examples/ssb).
func setThreads(settings []byte, n int) ([]byte, error) {
	lines := bytes.Split(settings, []byte("\n"))
	var out [][]byte
	inEngine, done := false, false
	for _, l := range lines {
		s := string(l)
		if inEngine && strings.HasPrefix(strings.TrimSpace(s), "threads:") {
			continue
		}
		out = append(out, l)
		if strings.HasPrefix(s, "engine:") {
			inEngine = true
			continue
		}
		if inEngine && !done && strings.HasPrefix(strings.TrimSpace(s), "type:") {
			indent := s[:len(s)-len(strings.TrimLeft(s, " "))]
			out = append(out, []byte(fmt.Sprintf("%sthreads: %d", indent, n)))
			done = true
		}
		if inEngine && s != "" && !strings.HasPrefix(s, " ") && !strings.HasPrefix(s, "engine:") {
			inEngine = false
		}
	}
	if !done {
		return nil, fmt.Errorf("strata.yaml: no `engine:` block with `type:` to add threads to")
	}
	return bytes.Join(out, []byte("\n")), nil
}

// CLIRows reads the rows of `strata query --format json` output; numbers stay
// json.Number so that no precision is lost before comparing.
func CLIRows(out []byte) ([][]any, string, error) {
	var doc struct {
		Rows [][]any `json:"rows"`
		Meta struct {
			ServedBy string `json:"served_by"`
		} `json:"meta"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, "", fmt.Errorf("reading the CLI's JSON: %w", err)
	}
	return doc.Rows, doc.Meta.ServedBy, nil
}

// RelTol is the relative tolerance for comparing non-integer numbers.
const RelTol = 1e-9

// CompareRows checks that got equals want row by row, cell by cell: integers
// exactly, other numbers to RelTol, strings, booleans, times and NULLs
// exactly. Numbers compare across representations (int64, float64, *big.Int,
// json.Number). It returns nil or an error naming the first difference.
func CompareRows(want, got [][]any) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if len(want[i]) != len(got[i]) {
			return fmt.Errorf("row %d: %d columns, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if !sameCell(want[i][j], got[i][j]) {
				return fmt.Errorf("row %d column %d: got %v (%T), want %v (%T)", i, j, got[i][j], got[i][j], want[i][j], want[i][j])
			}
		}
	}
	return nil
}

func sameCell(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	an, aNum := number(a)
	bn, bNum := number(b)
	if aNum || bNum {
		if !aNum || !bNum {
			return false
		}
		if an.Cmp(bn) == 0 {
			return true
		}
		_, aFloat := a.(float64)
		_, bFloat := b.(float64)
		if !aFloat && !bFloat && an.IsInt() && bn.IsInt() {
			return false // two exact integers that differ
		}
		x, _ := an.Float64()
		y, _ := bn.Float64()
		if x == y {
			return true
		}
		return math.Abs(x-y) <= RelTol*math.Max(math.Abs(x), math.Abs(y))
	}
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []byte:
		return cellString(b) == string(x)
	case string:
		return cellString(b) == x
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func cellString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// number reads a numeric cell as an exact rational.
func number(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case int32:
		return new(big.Rat).SetInt64(int64(x)), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(x), true
	case *big.Int:
		return new(big.Rat).SetInt(x), true
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		return r, ok
	}
	return nil, false
}
