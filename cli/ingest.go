package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/service"
)

func init() { extraCommands = append(extraCommands, (*env).ingestCmd) }

func (e *env) ingestCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ingest TABLE [FILE]",
		Short: "Append rows to a fact: JSON lines or an Arrow IPC stream, from FILE or standard input",
		Long: `Append rows to a fact, all or none: JSON lines (one object per line, keys the
table's columns) or an Arrow IPC stream, read from FILE (.arrow or .arrows is
Arrow, anything else JSON lines) or standard input. Raw queries see the rows
at once, rollups through their tail until the next refresh folds them in.
While strata serve runs, the server appends them (POST /v1/ingest/TABLE).`,
		Example: `  strata ingest transactions new.jsonl
  producer | strata ingest transactions -`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := "-"
			if len(args) == 2 {
				file = args[1]
			}
			if format == "" {
				format = service.IngestJSONLines
				if ext := strings.ToLower(filepath.Ext(file)); ext == ".arrow" || ext == ".arrows" {
					format = service.IngestArrow
				}
			}
			if format != service.IngestJSONLines && format != service.IngestArrow {
				return usage("--format must be jsonl or arrow, not %q", format)
			}
			open := func() (io.ReadCloser, error) {
				if file == "-" {
					return io.NopCloser(e.stdin), nil
				}
				f, err := os.Open(file)
				if err != nil {
					return nil, usage("%v", err)
				}
				return f, nil
			}
			done := func(res *service.IngestResult) error {
				fmt.Fprintf(e.stdout, "%s: %d rows appended · %.1f ms\n", res.Table, res.Rows, res.TookMS)
				return nil
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				body, err := open()
				if err != nil {
					return err
				}
				defer body.Close()
				res, err := r.ingest(ctx, args[0], format, body)
				var ae *apiError
				if errors.As(err, &ae) && ae.status < 500 {
					// The local run's message: row and column first.
					col, _ := ae.position["column"].(string)
					return fail("%v", &service.IngestError{Code: ae.code, Msg: ae.message, Line: intAt(ae.position, "row"), Column: col})
				}
				if err != nil {
					return remoteFail(err)
				}
				return done(res)
			}, func(ctx context.Context, w *service.Project) error {
				body, err := open()
				if err != nil {
					return err
				}
				defer body.Close()
				res, err := w.Ingest(ctx, args[0], format, body)
				var ie *service.IngestError
				if errors.As(err, &ie) {
					return fail("%v", ie)
				}
				if err != nil {
					return fail("%v", err)
				}
				return done(res)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl | arrow (default: from FILE's extension, else jsonl)")
	return cmd
}

// ingest appends rows through the server.
func (r *remote) ingest(ctx context.Context, table, format string, body io.Reader) (*service.IngestResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+r.info.Addr+"/v1/ingest/"+table, body)
	if err != nil {
		return nil, err
	}
	ctype := "application/x-ndjson"
	if format == service.IngestArrow {
		ctype = service.MimeArrow
	}
	req.Header.Set("Content-Type", ctype)
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking %s: %v", r.info.owner(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, r.answerError(resp)
	}
	var res service.IngestResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %v", r.info.owner(), err)
	}
	return &res, nil
}
