// Command handler is tenantops: one binary that the Azure Functions host runs
// as a custom handler, and that operators run by hand.
//
// Subcommands:
//
//	handler [serve]             the custom-handler HTTP server on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT
//	handler run NAME [--data J] one invocation in-process (J: the Data object, or a whole {"Data","Metadata"} envelope)
//	handler check [NAME]        validates settings and tries each dependency; non-zero exit on any failure
//	handler manifest DIR        writes DIR/<FunctionName>/function.json for every function
//	handler status [--json] [--html FILE]
//	                            every function's last run against its schedule; non-zero exit when one needs attention
//	handler requeue QUEUE       moves messages from QUEUE-poison back to QUEUE ([--count N] [--dry-run])
//	handler version             prints the version
package main

import (
	"fmt"
	"os"

	"github.com/tenantops/tenantops/internal/version"
)

func main() {
	if err := dispatch(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "handler:", err)
		os.Exit(1)
	}
}

func dispatch(args []string) error {
	if len(args) == 0 {
		return serve(nil)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "run":
		return runCommand(args[1:])
	case "check":
		return checkCommand(args[1:])
	case "manifest":
		return manifestCommand(args[1:])
	case "status":
		return statusCommand(args[1:])
	case "requeue":
		return requeueCommand(args[1:])
	case "version", "--version", "-v":
		fmt.Println("tenantops", version.Version)
		return nil
	case "help", "--help", "-h":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q\n%s", args[0], usage)
}

const usage = `usage:
  handler [serve]               serve the Azure Functions custom-handler protocol
  handler run NAME [--data J]   run one invocation in-process
  handler check [NAME]          check settings and dependencies
  handler manifest DIR          write DIR/<FunctionName>/function.json
  handler status [--json] [--html FILE]
                                last runs, overdue functions and quiet state
` + requeueUsage + `  handler version               print the version
`
