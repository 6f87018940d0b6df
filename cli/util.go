package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/strata-metrics/strata/service"
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

// withProject loads the project, opens it for queries for the duration of f,
// and cancels f's context on an interrupt.
func (e *env) withProject(f func(context.Context, *service.Project) error) error {
	_, cat, err := e.load()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	s, err := service.Open(ctx, cat, service.Options{})
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	return f(ctx, s)
}
