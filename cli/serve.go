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
	var addr, mysqlAddr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the DataAPI over HTTP",
		Long: `Serve the DataAPI: POST /v1/query, POST /v1/explain, POST /v1/sql, GET /v1/catalog,
GET /v1/rollups, POST /v1/rollups/{name}/refresh, GET /healthz, GET /metrics.
Callers authenticate with the keys of strata.yaml's api.keys
("Authorization: Bearer <token>"); each key's scope limits its rows and
metrics. STRATA_API_TOKEN adds one unscoped key. Without keys the API is open.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withProject(func(ctx context.Context, w *service.Project) error {
				if mysqlAddr != "" {
					stop, err := e.serveMySQL(w, mysqlAddr)
					if err != nil {
						return err
					}
					defer stop()
				}
				return e.serve(ctx, w, addr, opts)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address")
	f.StringVar(&mysqlAddr, "mysql-addr", "", "also serve the MySQL protocol here (e.g. 127.0.0.1:3307)")
	f.IntVar(&opts.MaxRows, "max-rows", opts.MaxRows, "largest result returned (413 beyond)")
	f.DurationVar(&opts.Timeout, "timeout", opts.Timeout, "longest query (504 beyond)")
	f.IntVar(&opts.MaxConcurrent, "max-concurrent", opts.MaxConcurrent, "queries at once (429 beyond)")
	f.BoolFunc("no-cache", "answer every query from the engine (no result cache)", func(string) error { opts.CacheEntries = -1; return nil })
	return cmd
}

func (e *env) serve(ctx context.Context, w *service.Project, addr string, opts api.Options) error {
	opts.Token = os.Getenv("STRATA_API_TOKEN")
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	var unset []string
	opts.Keys, unset = api.KeysFrom(w.Project)
	opts.KeysConfigured = len(w.Project.API.Keys) > 0
	opts.Logger = log
	for _, k := range unset {
		log.Warn("api key cannot authenticate: its token variable is unset", "key", k)
	}
	if !opts.KeysConfigured && opts.Token == "" {
		log.Warn("no API keys configured: the DataAPI is open to anyone who can reach it; declare api.keys in strata.yaml")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail("listen on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: api.New(w, opts), ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving the DataAPI", "addr", ln.Addr().String(), "project", w.Project.Name, "keys", len(opts.Keys), "auth", opts.KeysConfigured || opts.Token != "")
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
