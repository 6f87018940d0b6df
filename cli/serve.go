package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	// forCLI closes the API to all but the owner token and api.keys, even
	// when no key is configured: strata materialize listens for the CLI
	// alone.
	forCLI bool
}

var defaultServeOptions = serveOptions{ShutdownTimeout: 30 * time.Second, ReadTimeout: 30 * time.Second}

func (e *env) serveCmd() *cobra.Command {
	opts := api.DefaultOptions
	so := defaultServeOptions
	var addr, mysqlAddr string
	builds := 1
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the DataAPI over HTTP",
		Long: `Serve the DataAPI: POST /v1/query, POST /v1/explain, POST /v1/sql, GET /v1/catalog,
GET /v1/rollups, POST /v1/rollups/{name}/refresh, GET /healthz, GET /metrics,
GET /v1/plan, POST /v1/refresh, POST /v1/sql/explain, POST /v1/audiences,
POST /v1/audiences/export, and the explorer page at /. The operations on the
whole warehouse (plan, refresh, rollup status) need an unscoped key.
While it runs it owns the warehouse: it records its address in
.strata/serve.json, and strata query, explain, sql, status, refresh, plan and
audience size|profile|export ask it over the DataAPI instead of opening the
warehouse (sending --token or STRATA_TOKEN when given, else the owner token
serve.json holds).
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
			if err := e.ownedElsewhere("strata serve", "the CLI asks the running one; stop it (SIGTERM) to start another"); err != nil {
				return err
			}
			return e.withProject(func(ctx context.Context, w *service.Project) error {
				if builds > 0 {
					var jobs []string
					for _, j := range w.Materializer().Jobs() {
						jobs = append(jobs, j.Name)
					}
					opts.Schedule = api.NewScheduleMetrics(jobs...)
					s, err := e.scheduler(ctx, w, builds, slog.New(slog.NewTextHandler(e.stderr, nil)), opts.Schedule.Observe)
					if err != nil {
						return err
					}
					sctx, stop := context.WithCancel(ctx)
					done := make(chan struct{})
					defer func() { stop(); <-done }()
					go func() { defer close(done); _ = s.Run(sctx) }()
				}
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
				owner, done, err := e.recordServe(ctx, w, ln.Addr().String(), "serve")
				if err != nil {
					ln.Close()
					return err
				}
				defer done()
				opts.OwnerToken = owner
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
	f.IntVar(&builds, "builds", builds, "rollup builds at once by the scheduler (0: no scheduler; run `strata materialize` elsewhere)")
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
	opts.KeysConfigured = len(w.Project.API.Keys) > 0 || so.forCLI
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
	what := "serving the DataAPI"
	if so.forCLI {
		what = "answering the CLI (strata query, status, refresh, …) on a loopback port"
	}
	log.Info(what, "addr", ln.Addr().String(), "project", w.Project.Name, "keys", len(opts.Keys), "auth", opts.KeysConfigured || opts.Token != "")
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

// recordServe writes serve.json for the server listening at addr
// (serveinfo.go) and returns its removal, for a clean shutdown. A file left
// by a live server of the project is replaced, with a warning: two servers
// can share a warehouse only on an engine that allows it, and the CLI asks
// the newer one.
func (e *env) recordServe(ctx context.Context, w *service.Project, addr, kind string) (string, func(), error) {
	dir := w.Project.Dir
	// A server listening on every interface is asked on the loopback one.
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	if old, _ := readServeInfo(dir); old != nil && old.PID != os.Getpid() && old.live(ctx) {
		slog.New(slog.NewTextHandler(e.stderr, nil)).Warn("another "+old.command()+" of this project is running; the CLI will ask this one", "pid", old.PID, "addr", old.Addr)
	}
	var secret [24]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", nil, fail("making the owner token: %v", err)
	}
	si := serveInfo{Addr: addr, PID: os.Getpid(), Kind: kind, StartedAt: time.Now().UTC().Truncate(time.Second), Token: hex.EncodeToString(secret[:]),
		Auth: kind == "materialize" || len(w.Project.API.Keys) > 0 || os.Getenv("STRATA_API_TOKEN") != "", Version: Version, Project: w.Project.Name, Model: service.ModelVersion(w.Project)}
	if err := writeServeInfo(dir, si); err != nil {
		return "", nil, fail("recording the server in %s: %v", serveInfoPath(dir), err)
	}
	return si.Token, func() { removeServeInfo(dir, si.PID) }, nil
}
