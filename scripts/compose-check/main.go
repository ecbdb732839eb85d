// Command compose-check loads a Compose file with compose-go, the loader `docker compose`
// itself uses, and fails on what `docker compose config` would refuse: YAML and schema errors,
// unset variables, unknown keys, bad references between services, volumes and networks.
// It prints the normalized project on success (with -print).
//
//	go run . [-print] <compose file>...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	printProject := flag.Bool("print", false, "print the normalized project")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [-print] <compose file>...")
		os.Exit(2)
	}
	failed := false
	for _, file := range flag.Args() {
		if err := check(file, *printProject); err != nil {
			fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", file, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func check(file string, printProject bool) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	options, err := cli.NewProjectOptions(
		[]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		// Variables come from the file alone here: the check must not depend on the environment.
		cli.WithName("compose-check"),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithInterpolation(true),
	)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	if len(project.Services) == 0 {
		return fmt.Errorf("no services")
	}
	if printProject {
		out, err := project.MarshalYAML()
		if err != nil {
			return err
		}
		os.Stdout.Write(out)
	}
	fmt.Printf("compose-check: %s: %d services OK\n", file, len(project.Services))
	return nil
}
