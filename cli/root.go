package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// Version is the build's version, set with -ldflags "-X …/cli.Version=…".
var Version = "0.1.0-dev"

// Exit codes.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// exitError carries an exit code through cobra; its message has already been
// printed when silent is set.
type exitError struct {
	code   int
	msg    string
	silent bool
}

func (e *exitError) Error() string { return e.msg }

func fail(format string, args ...any) error {
	return &exitError{code: ExitFail, msg: fmt.Sprintf(format, args...)}
}

func usage(format string, args ...any) error {
	return &exitError{code: ExitUsage, msg: fmt.Sprintf(format, args...)}
}

type env struct {
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	project string
	token   string // key for a running server's DataAPI (remote.go)
}

// Main runs the strata command line and returns its exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "strata",
		Short:         "Strata: define metrics once, answer them everywhere, fast",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.PersistentFlags().StringVar(&e.project, "project", "", "project directory (default: the directory holding strata.yaml, searched upward)")
	root.PersistentFlags().StringVar(&e.token, "token", "", "API key to send when a running `strata serve` owns the warehouse and asks for one (default: $STRATA_TOKEN)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usage("%v", err) })
	root.AddCommand(e.versionCmd(), e.validateCmd(), e.describeCmd())
	for _, add := range extraCommands {
		root.AddCommand(add(e))
	}
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if !xe.silent && xe.msg != "" {
			fmt.Fprintln(stderr, "strata: "+xe.msg)
		}
		return xe.code
	}
	// cobra's own errors (unknown command, bad args) are usage errors.
	fmt.Fprintln(stderr, "strata: "+err.Error())
	return ExitUsage
}

// extraCommands lets files add commands without touching Main.
var extraCommands []func(*env) *cobra.Command

func (e *env) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(e.stdout, "strata %s (model format version 1)\n", Version)
			return nil
		},
	}
}

// projectDir finds the project: --project, else strata.yaml searched upward.
func (e *env) projectDir() (string, error) {
	dir := e.project
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fail("%v", err)
		}
		d, err := model.FindProject(wd)
		if err != nil {
			return "", fail("%v", err)
		}
		return d, nil
	}
	return dir, nil
}

// load loads and checks the project; on errors it prints them and returns a
// silent failure.
func (e *env) load() (*model.Project, *logical.Catalog, error) {
	p, cat, diags, err := e.loadDiags()
	if err != nil {
		return nil, nil, err
	}
	if diags.HasErrors() {
		fmt.Fprint(e.stderr, diags.Format(p.Sources, 20))
		return nil, nil, &exitError{code: ExitFail, msg: plural(len(diags), "problem") + " in the model; `strata validate` lists them all"}
	}
	return p, cat, nil
}

func (e *env) loadDiags() (*model.Project, *logical.Catalog, model.Diagnostics, error) {
	dir, err := e.projectDir()
	if err != nil {
		return nil, nil, nil, err
	}
	p, diags := model.Load(dir)
	cat, diags := logical.Validate(p, diags)
	return p, cat, diags, nil
}
