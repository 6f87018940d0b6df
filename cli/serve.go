package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).serveCmd)
}

func (e *env) serveCmd() *cobra.Command {
	opts := api.DefaultOptions
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the DataAPI over HTTP",
		Long: `Serve the DataAPI: POST /v1/query, POST /v1/explain, GET /v1/catalog,
GET /v1/rollups, POST /v1/rollups/{name}/refresh, GET /healthz, GET /metrics.
Set STRATA_API_TOKEN to require "Authorization: Bearer <token>" on /v1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withProject(func(ctx context.Context, w *service.Project) error {
				return e.serve(ctx, w, addr, opts)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address")
	f.IntVar(&opts.MaxRows, "max-rows", opts.MaxRows, "largest result returned (413 beyond)")
	f.DurationVar(&opts.Timeout, "timeout", opts.Timeout, "longest query (504 beyond)")
	f.IntVar(&opts.MaxConcurrent, "max-concurrent", opts.MaxConcurrent, "queries at once (429 beyond)")
	return cmd
}

func (e *env) serve(ctx context.Context, w *service.Project, addr string, opts api.Options) error {
	opts.Token = os.Getenv("STRATA_API_TOKEN")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail("listen on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: api.New(w, opts), ReadHeaderTimeout: 10 * time.Second}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	log.Info("serving the DataAPI", "addr", ln.Addr().String(), "project", w.Project.Name, "auth", opts.Token != "")
	go func() {
		<-ctx.Done()
		shut, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail("%v", err)
	}
	fmt.Fprintln(e.stderr, "stopped")
	return nil
}
