package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).audienceCmd)
}

func (e *env) audienceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audience",
		Short: "Size, profile and export audiences built from tags",
		Long: `An audience is an expression over tags and fields of the tags' entity:
  high_value AND NOT segment = 'staff'
  (mobile_active_30d OR risk IN ('high', 'medium')) AND customers.aum > 100000
Tags are built by strata refresh.`,
	}
	var format string
	var overlap []string
	size := &cobra.Command{
		Use:   "size EXPR",
		Short: "The audience's size and population, and its overlap with other audiences",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := &service.AudienceRequest{Expr: args[0]}
			for _, o := range overlap {
				name, expr, ok := strings.Cut(o, "=")
				if !ok {
					return usage("--overlap takes NAME=EXPR, not %q", o)
				}
				if req.Overlap == nil {
					req.Overlap = map[string]string{}
				}
				req.Overlap[strings.TrimSpace(name)] = expr
			}
			return e.audience(req, format)
		},
	}
	size.Flags().StringArrayVar(&overlap, "overlap", nil, "another audience to intersect with, NAME=EXPR (repeatable)")
	var dims []string
	var tags bool
	profile := &cobra.Command{
		Use:   "profile EXPR",
		Short: "The audience's distribution over dimensions beside the population's, and its tag saturation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.audience(&service.AudienceRequest{Expr: args[0], Profile: dims, Tags: tags}, format)
		},
	}
	profile.Flags().StringSliceVarP(&dims, "dimensions", "d", nil, "fields to profile, comma separated (customers.segment,branches.region)")
	profile.Flags().BoolVar(&tags, "tags", true, "include tag saturation")
	for _, c := range []*cobra.Command{size, profile} {
		c.Flags().StringVar(&format, "format", "table", "output: table | csv | json")
	}
	var out, exportFormat string
	export := &cobra.Command{
		Use:   "export EXPR",
		Short: "Write the audience's member keys as CSV or Parquet",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(exportFormat, "csv", "parquet"); err != nil {
				return err
			}
			if exportFormat == "parquet" && out == "" {
				return usage("--format parquet needs --output FILE")
			}
			// The destination is opened only once the ids are at hand, so
			// a failed export leaves no file behind.
			open := func() (io.Writer, func() error, error) {
				if out == "" {
					return e.stdout, func() error { return nil }, nil
				}
				f, err := os.Create(out)
				if err != nil {
					return nil, nil, fail("%v", err)
				}
				// Only the writer: the Parquet writer closes a sink that is
				// an io.Closer, and the file is closed here, once, checked.
				return struct{ io.Writer }{f}, f.Close, nil
			}
			written := func(n uint64, uses []service.TagUse) {
				if out != "" {
					fmt.Fprintf(e.stderr, "%d members written to %s\n", n, out)
				}
				e.staleWarnings(uses)
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				n, uses, err := r.export(ctx, args[0], exportFormat, open)
				if err != nil {
					if ae := audienceLocalError(err); ae != err {
						return e.audienceError(args[0], ae)
					}
					return remoteFail(err)
				}
				written(n, uses)
				return nil
			}, func(ctx context.Context, w *service.Project) error {
				svc, err := w.AudienceService()
				if err != nil {
					return fail("%v", err)
				}
				members, a, uses, err := svc.Members(ctx, args[0])
				if err != nil {
					return e.audienceError(args[0], err)
				}
				dst, closeDst, err := open()
				if err != nil {
					return err
				}
				format := service.ExportCSV
				if exportFormat == "parquet" {
					format = service.ExportParquet
				}
				if err := svc.Export(ctx, dst, format, a, members); err != nil {
					closeDst()
					return fail("%v", err)
				}
				if err := closeDst(); err != nil {
					return fail("%v", err)
				}
				written(members.GetCardinality(), uses)
				return nil
			})
		},
	}
	export.Flags().StringVarP(&out, "output", "O", "", "write to this file (default: standard output)")
	export.Flags().StringVar(&exportFormat, "format", "csv", "csv | parquet")
	cmd.AddCommand(size, profile, export)
	return cmd
}

// staleWarnings warns on standard error of each stale tag read and of each
// value compared with that its tag does not hold.
func (e *env) staleWarnings(uses []service.TagUse) {
	for _, u := range uses {
		if u.Stale {
			fmt.Fprintf(e.stderr, "strata: warning: tag %s is stale: %s\n", u.Name, u.Reason)
		}
		if u.Warning != "" {
			fmt.Fprintf(e.stderr, "strata: warning: %s\n", u.Warning)
		}
	}
}

// audienceError prints an error in the expression with a caret under it.
func (e *env) audienceError(expr string, err error) error {
	var ae *service.AudienceError
	if errors.As(err, &ae) && ae.Field == "expr" {
		off := max(0, min(ae.Offset, len(expr)))
		fmt.Fprintf(e.stderr, "strata: expr:%d: %s\n  %s\n  %s^\n", off+1, ae.Msg, expr, strings.Repeat(" ", off))
		return &exitError{code: ExitFail, silent: true}
	}
	return fail("%v", err)
}

func (e *env) audience(req *service.AudienceRequest, format string) error {
	if err := checkFormat(format, "table", "csv", "json"); err != nil {
		return err
	}
	print := func(res *service.AudienceResponse, err error) error {
		if err != nil {
			return e.audienceError(req.Expr, err)
		}
		e.staleWarnings(res.Tags)
		switch format {
		case "json":
			return writeJSON(e.stdout, res)
		case "csv":
			return writeAudienceCSV(e.stdout, res)
		}
		return writeAudienceTable(e.stdout, res)
	}
	return e.withRemote(func(ctx context.Context, r *remote) error {
		return print(r.audience(ctx, req))
	}, func(ctx context.Context, w *service.Project) error {
		svc, err := w.AudienceService()
		if err != nil {
			return fail("%v", err)
		}
		return print(svc.Evaluate(ctx, req))
	})
}

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 2, 64) + "%" }

func valueText(v *string) string {
	if v == nil {
		return "NULL"
	}
	return *v
}

func writeAudienceTable(w io.Writer, r *service.AudienceResponse) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "audience\t%d\tof %d %s\t%s\n", r.Size, r.Population, r.Entity, pct(r.Share))
	for _, o := range r.Overlap {
		fmt.Fprintf(tw, "overlap %s\t%d\tof %d\t%s of the audience\n", o.Name, o.Both, o.Size, pct(o.Share))
	}
	for _, p := range r.Profile {
		fmt.Fprintf(tw, "\n%s\tcount\tshare\tpopulation\tindex\n", p.Field)
		for _, v := range p.Values {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%.2f\n", valueText(v.Value), v.Count, pct(v.Share), pct(v.PopulationShare), v.Index)
		}
	}
	if len(r.Saturation) > 0 {
		fmt.Fprintf(tw, "\ntag\tcount\tshare\t\t\n")
		for _, s := range r.Saturation {
			name := s.Tag
			if s.Value != nil {
				name += " = " + *s.Value
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\t\t\n", name, s.Count, pct(s.Share))
		}
	}
	fmt.Fprintf(tw, "\ntags read\tas of\t\t\t\n")
	for _, u := range r.Tags {
		state := ""
		if u.Stale {
			state = "stale: " + u.Reason
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t\t\n", u.Name, u.AsOf, state)
	}
	fmt.Fprintf(tw, "%.1f ms\n", r.TookMS)
	return tw.Flush()
}

// writeAudienceCSV writes one row per figure: section, name, value, count,
// share, population share, index.
func writeAudienceCSV(w io.Writer, r *service.AudienceResponse) error {
	cw := csv.NewWriter(w)
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	u := func(x uint64) string { return strconv.FormatUint(x, 10) }
	_ = cw.Write([]string{"section", "name", "value", "count", "share", "population_count", "population_share", "index"})
	_ = cw.Write([]string{"size", r.Entity, "", u(r.Size), f(r.Share), u(r.Population), "1", ""})
	for _, o := range r.Overlap {
		_ = cw.Write([]string{"overlap", o.Name, o.Expr, u(o.Both), f(o.Share), u(o.Size), "", ""})
	}
	for _, p := range r.Profile {
		for _, v := range p.Values {
			_ = cw.Write([]string{"profile", p.Field, valueText(v.Value), u(v.Count), f(v.Share), u(v.PopulationCount), f(v.PopulationShare), f(v.Index)})
		}
	}
	for _, s := range r.Saturation {
		val := ""
		if s.Value != nil {
			val = *s.Value
		}
		_ = cw.Write([]string{"saturation", s.Tag, val, u(s.Count), f(s.Share), "", "", ""})
	}
	cw.Flush()
	return cw.Error()
}
