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
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).serveCmd)
}

// serveOptions are the transport's own limits, beside the API's.
type serveOptions struct {
	// ShutdownTimeout is how long in-flight requests may run on after SIGTERM
	// before they are canceled.
	ShutdownTimeout time.Duration
	// ReadTimeout bounds reading one request, body included: a client that
	// sends its body slowly is cut off.
	ReadTimeout time.Duration
}

var defaultServeOptions = serveOptions{ShutdownTimeout: 30 * time.Second, ReadTimeout: 30 * time.Second}

func (e *env) serveCmd() *cobra.Command {
	opts := api.DefaultOptions
	so := defaultServeOptions
	var addr, mysqlAddr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the DataAPI over HTTP",
		Long: `Serve the DataAPI: POST /v1/query, POST /v1/explain, POST /v1/sql, GET /v1/catalog,
GET /v1/rollups, POST /v1/rollups/{name}/refresh, GET /healthz, GET /metrics,
and the explorer page at /.
Callers authenticate with the keys of strata.yaml's api.keys
("Authorization: Bearer <token>"); each key's scope limits its rows and
metrics. STRATA_API_TOKEN adds one unscoped key. Without keys the API is open.
On SIGTERM or SIGINT the server stops accepting, lets the requests in flight
finish for up to --shutdown-timeout, cancels the rest, and exits 0.
With --mysql-addr it also speaks the MySQL protocol (database: the project,
tables: the wide tables); clients log in with a key's name and its token.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkServeFlags(opts, so); err != nil {
				return err
			}
			return e.withProject(func(ctx context.Context, w *service.Project) error {
				if mysqlAddr != "" {
					stop, err := e.serveMySQL(w, mysqlAddr, opts)
					if err != nil {
						return err
					}
					defer stop()
				}
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return fail("listen on %s: %v", addr, err)
				}
				return e.serveOn(ctx, w, ln, opts, so)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address")
	f.StringVar(&mysqlAddr, "mysql-addr", "", "also serve the MySQL protocol here (e.g. 127.0.0.1:3307)")
	f.IntVar(&opts.MaxRows, "max-rows", opts.MaxRows, "largest result returned (413 beyond)")
	f.Int64Var(&opts.MaxBody, "max-body", opts.MaxBody, "largest request body in bytes (413 beyond)")
	f.DurationVar(&opts.Timeout, "timeout", opts.Timeout, "longest query (504 beyond)")
	f.IntVar(&opts.MaxConcurrent, "max-concurrent", opts.MaxConcurrent, "queries at once (429 beyond)")
	f.DurationVar(&so.ShutdownTimeout, "shutdown-timeout", so.ShutdownTimeout, "on SIGTERM, how long requests in flight may finish before they are canceled")
	f.DurationVar(&so.ReadTimeout, "read-timeout", so.ReadTimeout, "longest time to read one request, body included")
	f.BoolFunc("no-cache", "answer every query from the engine (no result cache)", func(string) error { opts.CacheEntries = -1; return nil })
	return cmd
}

// checkServeFlags rejects limits that mean nothing, before anything opens.
func checkServeFlags(o api.Options, so serveOptions) error {
	switch {
	case o.MaxRows < 1 || o.MaxRows >= plan.MaxLimit:
		return usage("--max-rows must be between 1 and %d, not %d", plan.MaxLimit-1, o.MaxRows)
	case o.MaxBody < 1:
		return usage("--max-body must be a positive number of bytes, not %d", o.MaxBody)
	case o.Timeout <= 0:
		return usage("--timeout must be a positive duration such as 30s, not %s", o.Timeout)
	case o.MaxConcurrent < 1:
		return usage("--max-concurrent must be at least 1, not %d", o.MaxConcurrent)
	case so.ShutdownTimeout <= 0:
		return usage("--shutdown-timeout must be a positive duration such as 30s, not %s", so.ShutdownTimeout)
	case so.ReadTimeout <= 0:
		return usage("--read-timeout must be a positive duration such as 30s, not %s", so.ReadTimeout)
	}
	return nil
}

// serveOn serves the DataAPI on ln until ctx is done, then shuts down:
//  1. stop accepting and wait for the requests in flight, up to the
//     shutdown timeout;
//  2. past it, cancel what still runs (queries answer 504, a refresh records
//     that it was interrupted) and give those answers a moment to be written;
//  3. close what is left and return nil: a shutdown asked for is a success.
func (e *env) serveOn(ctx context.Context, w *service.Project, ln net.Listener, opts api.Options, so serveOptions) error {
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
	base, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := &http.Server{
		Handler:           api.New(w, opts),
		ReadHeaderTimeout: min(10*time.Second, so.ReadTimeout),
		ReadTimeout:       so.ReadTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	log.Info("serving the DataAPI", "addr", ln.Addr().String(), "project", w.Project.Name, "keys", len(opts.Keys), "auth", opts.KeysConfigured || opts.Token != "")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fail("%v", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down: no new requests; waiting for those in flight", "timeout", so.ShutdownTimeout.String())
	grace, cancel := context.WithTimeout(context.Background(), so.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		log.Warn("shutdown timeout reached: canceling the requests still running")
		cancelRequests()
		last, cancelLast := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelLast()
		if err := srv.Shutdown(last); err != nil {
			_ = srv.Close()
		}
	}
	<-served
	fmt.Fprintln(e.stderr, "stopped")
	return nil
}
