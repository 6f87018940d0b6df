package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer"
)

// isTerminal reports whether w is a terminal; progress bars are drawn only there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(io.LimitReader(r, 16<<20)) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func dialectFor(engineType string) (sqlgen.Dialect, error) {
	if engineType == "doris" {
		engineType = "starrocks"
	}
	return sqlgen.Get(engineType)
}

// withWarehouse loads the project, opens its warehouse for the duration of f,
// and cancels f's context on an interrupt.
func (e *env) withWarehouse(f func(context.Context, *materializer.Warehouse) error) error {
	_, cat, err := e.load()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	w, err := e.openWarehouse(ctx, cat)
	if err != nil {
		return err
	}
	defer w.Close()
	return f(ctx, w)
}

func (e *env) openWarehouse(ctx context.Context, cat *logical.Catalog) (*materializer.Warehouse, error) {
	w, err := materializer.Open(ctx, cat.Project, cat, materializer.Options{})
	if err != nil {
		return nil, fail("%v", err)
	}
	return w, nil
}
